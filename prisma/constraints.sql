-- Constraints prisma/schema.prisma cannot express (Prisma has no CHECK).
-- The migration that adds one adds it here too, word for word:
-- tests/integration/schema-matches-migrations.test.ts applies this file after
-- the schema's own SQL, and the two databases must still match exactly.

-- Emails are stored trimmed and lower-case and compared exactly (lib/auth/email.ts):
-- no two spellings of one address, and no LIKE patterns in lookups.
ALTER TABLE "User" ADD CONSTRAINT "User_email_normalised" CHECK ("email" = lower(btrim("email", E' \t\n\r\f')));
ALTER TABLE "Invitation" ADD CONSTRAINT "Invitation_email_normalised" CHECK ("email" = lower(btrim("email", E' \t\n\r\f')));
ALTER TABLE "PendingMembership" ADD CONSTRAINT "PendingMembership_email_normalised" CHECK ("email" = lower(btrim("email", E' \t\n\r\f')));
ALTER TABLE "EmailProof" ADD CONSTRAINT "EmailProof_email_normalised" CHECK ("email" = lower(btrim("email", E' \t\n\r\f')));
