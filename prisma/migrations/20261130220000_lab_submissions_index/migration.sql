-- CreateIndex
CREATE INDEX "Submission_labId_createdAt_idx" ON "Submission"("labId", "createdAt");
