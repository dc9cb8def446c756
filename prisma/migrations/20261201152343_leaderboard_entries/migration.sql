-- CreateTable
CREATE TABLE "LeaderboardEntry" (
    "labId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "submissionId" TEXT NOT NULL,
    "finalScore" DOUBLE PRECISION NOT NULL,
    "maxScore" DOUBLE PRECISION,
    "submittedAt" TIMESTAMP(3) NOT NULL,
    "msgsPerOp" DOUBLE PRECISION,
    "p50LatencyMs" DOUBLE PRECISION,
    "p99LatencyMs" DOUBLE PRECISION,

    CONSTRAINT "LeaderboardEntry_pkey" PRIMARY KEY ("labId","userId")
);

-- CreateTable
CREATE TABLE "LeaderboardBasis" (
    "labId" TEXT NOT NULL,
    "frozenAt" TIMESTAMP(3),
    "tieBreakers" TEXT[],
    "builtAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LeaderboardBasis_pkey" PRIMARY KEY ("labId")
);

-- CreateIndex
CREATE INDEX "Submission_labId_userId_createdAt_idx" ON "Submission"("labId", "userId", "createdAt");

-- AddForeignKey
ALTER TABLE "LeaderboardEntry" ADD CONSTRAINT "LeaderboardEntry_labId_fkey" FOREIGN KEY ("labId") REFERENCES "Lab"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LeaderboardEntry" ADD CONSTRAINT "LeaderboardEntry_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LeaderboardEntry" ADD CONSTRAINT "LeaderboardEntry_submissionId_fkey" FOREIGN KEY ("submissionId") REFERENCES "Submission"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LeaderboardBasis" ADD CONSTRAINT "LeaderboardBasis_labId_fkey" FOREIGN KEY ("labId") REFERENCES "Lab"("id") ON DELETE CASCADE ON UPDATE CASCADE;

