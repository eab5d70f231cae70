// A version's label on its button: its number and what made it. Repairs are counted per artifact
// (the second repair's versions say "repair 2"), so no two versions read the same.
import type { Schemas } from "../api/client";

type Version = Schemas["ArtifactVersionOut"];

export function versionLabels(versions: Version[]): Map<number, string> {
  const jobs: string[] = [];
  const out = new Map<number, string>();
  for (const v of [...versions].sort((a, b) => a.version - b.version)) {
    if (!v.repair) {
      out.set(v.version, `v${v.version} · ${v.generator}`);
      continue;
    }
    if (!jobs.includes(v.repair.job_id)) jobs.push(v.repair.job_id);
    const attempt = v.repair.attempt > 1 ? `, try ${v.repair.attempt}` : "";
    out.set(v.version, `v${v.version} · repair ${jobs.indexOf(v.repair.job_id) + 1}${attempt}`);
  }
  return out;
}
