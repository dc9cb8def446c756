// The lab form's initial values: a new lab's defaults, or an existing lab's
// stored fields as the form's strings.
import { NATIVE_PROGRAM_TOLD, NEW_LAB_FIELDS, TOOLCHAINS, type LabFields } from "@/lib/labs/manage-labs";
import { TIE_BREAKERS } from "@/lib/leaderboards";
import { WORKLOAD_NAMES } from "@/lib/workloads";
import type { LabFormValues } from "./lab-form";

const utcMinutes = (date: Date | null) => (date ? date.toISOString().slice(0, 16) : "");
const numberText = (n: number | null) => (n === null ? "" : String(Math.round(n * 1000) / 1000));

export function formValues(fields: LabFields): LabFormValues {
  return {
    ...fields,
    tieBreaker1: fields.leaderboardTieBreakers[0] ?? "",
    tieBreaker2: fields.leaderboardTieBreakers[1] ?? "",
    opensAt: utcMinutes(fields.opensAt),
    dueAt: utcMinutes(fields.dueAt),
    resultsReleasedAt: utcMinutes(fields.resultsReleasedAt),
    latePenaltyPercent: numberText(fields.latePenaltyPerDay * 100),
    submissionLimit: numberText(fields.submissionLimit),
    submissionWindowHours: numberText(fields.submissionWindowHours),
    maxArchiveMegabytes: numberText(fields.maxArchiveMegabytes),
  };
}

export const NEW_LAB_VALUES: LabFormValues = formValues({ ...NEW_LAB_FIELDS, title: "", workload: "echo" });

export const FORM_CHOICES = {
  workloads: WORKLOAD_NAMES,
  tieBreakers: Object.entries(TIE_BREAKERS).map(([name, label]) => ({ name, label })),
  nativeTold: NATIVE_PROGRAM_TOLD,
  toolchains: Object.entries(TOOLCHAINS).map(([name, t]) => ({ name, label: t.label, buildCommand: t.buildCommand, runCommand: t.runCommand })),
};

