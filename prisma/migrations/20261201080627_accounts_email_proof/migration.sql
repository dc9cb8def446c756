-- Accounts and sign-in (issue 15): emails are stored normalised and compared
-- exactly; accounts prove their email (EmailProof); roster rows for accounts
-- that have not proven theirs wait as PendingMembership.
--
-- Normalising existing emails: "User".email and "Invitation".email become
-- lower(btrim(…)). Two accounts whose emails differ only in case or in
-- surrounding spaces cannot both keep their address, and which one is the
-- person's real account is not ours to guess (the old sign-in picked either),
-- so the migration stops before changing anything and names them: merge or
-- rename one of each pair by hand (UPDATE "User" SET email = ... WHERE id = ...),
-- then apply the migrations again.
DO $$
DECLARE
  clashes text;
BEGIN
  SELECT string_agg(format('%s (%s accounts: %s)', normalised, n, ids), '; ') INTO clashes
  FROM (
    SELECT lower(btrim("email", E' \t\n\r\f')) AS normalised, count(*) AS n, string_agg("id", ', ') AS ids
    FROM "User" GROUP BY 1 HAVING count(*) > 1
  ) AS same;
  IF clashes IS NOT NULL THEN
    RAISE EXCEPTION 'accounts whose emails differ only in case or spaces: %', clashes
      USING HINT = 'Rename or merge one account of each pair (UPDATE "User" SET email = ''…'' WHERE id = ''…''), then migrate again.';
  END IF;
END
$$;

UPDATE "User" SET "email" = lower(btrim("email", E' \t\n\r\f')) WHERE "email" <> lower(btrim("email", E' \t\n\r\f'));
UPDATE "Invitation" SET "email" = lower(btrim("email", E' \t\n\r\f')) WHERE "email" <> lower(btrim("email", E' \t\n\r\f'));

-- CreateTable
CREATE TABLE "PendingMembership" (
    "id" TEXT NOT NULL,
    "courseId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "CourseRole" NOT NULL,
    "pseudonym" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PendingMembership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmailProof" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "userId" TEXT,
    "invitationId" TEXT,
    "returnTo" TEXT,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailProof_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PendingMembership_email_idx" ON "PendingMembership"("email");

-- CreateIndex
CREATE UNIQUE INDEX "PendingMembership_courseId_email_key" ON "PendingMembership"("courseId", "email");

-- CreateIndex
CREATE UNIQUE INDEX "EmailProof_tokenHash_key" ON "EmailProof"("tokenHash");

-- CreateIndex
CREATE INDEX "EmailProof_email_createdAt_idx" ON "EmailProof"("email", "createdAt");

-- CreateIndex
CREATE INDEX "EmailProof_userId_idx" ON "EmailProof"("userId");

-- CreateIndex
CREATE INDEX "EmailProof_invitationId_idx" ON "EmailProof"("invitationId");

-- AddForeignKey
ALTER TABLE "PendingMembership" ADD CONSTRAINT "PendingMembership_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmailProof" ADD CONSTRAINT "EmailProof_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmailProof" ADD CONSTRAINT "EmailProof_invitationId_fkey" FOREIGN KEY ("invitationId") REFERENCES "Invitation"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- The CHECKs of prisma/constraints.sql
ALTER TABLE "User" ADD CONSTRAINT "User_email_normalised" CHECK ("email" = lower(btrim("email", E' \t\n\r\f')));
ALTER TABLE "Invitation" ADD CONSTRAINT "Invitation_email_normalised" CHECK ("email" = lower(btrim("email", E' \t\n\r\f')));
ALTER TABLE "PendingMembership" ADD CONSTRAINT "PendingMembership_email_normalised" CHECK ("email" = lower(btrim("email", E' \t\n\r\f')));
ALTER TABLE "EmailProof" ADD CONSTRAINT "EmailProof_email_normalised" CHECK ("email" = lower(btrim("email", E' \t\n\r\f')));
