-- AlterTable
ALTER TABLE "GradingAttempt" ADD COLUMN     "engineEndpoint" TEXT,
ADD COLUMN     "engineId" TEXT;

-- CreateTable
CREATE TABLE "EngineLeftovers" (
    "attemptId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EngineLeftovers_pkey" PRIMARY KEY ("attemptId")
);

-- AddForeignKey
ALTER TABLE "EngineLeftovers" ADD CONSTRAINT "EngineLeftovers_attemptId_fkey" FOREIGN KEY ("attemptId") REFERENCES "GradingAttempt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

