-- Runner faults (issue 16): a job retried by time while it fails on our side
-- (GradingJob.infraFailingSince), and a runner that says whether its Docker
-- engine answers (Runner.engineUnreachableSince, engineError).
-- AlterTable
ALTER TABLE "GradingJob" ADD COLUMN     "infraFailingSince" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Runner" ADD COLUMN     "engineError" TEXT,
ADD COLUMN     "engineUnreachableSince" TIMESTAMP(3);

