-- CreateIndex
CREATE INDEX "GradingJob_kind_submissionId_idx" ON "GradingJob"("kind", "submissionId");
