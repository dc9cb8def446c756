-- AlterTable
ALTER TABLE "Lab" ADD COLUMN     "resultsReleasedAt" TIMESTAMP(3);

