import { useState } from "react";
import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { useProjectUpdateMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";

/** What repairs may spend on this project, what they have, and whether failing pipeline versions repair themselves. */
export function RepairSettings({ project }: { project: Schemas["ProjectDetail"] }) {
  const [budget, setBudget] = useState(String(project.repair_budget ?? 1));
  const save = useProjectUpdateMutation(project.project_id);
  const spent = project.repair_spent ?? 0;
  return (
    <section aria-label="Repairs" className="repair-settings">
      <h2>Repairs</h2>
      <p className="meta">
        Spent ${spent.toFixed(4)} of ${(project.repair_budget ?? 1).toFixed(2)} (running repairs hold what they may still cost).
      </p>
      <form
        className="inline-form"
        aria-label="Repair budget"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ repair_budget: Number(budget) });
        }}
      >
        <label>
          Budget (USD){" "}
          <input type="number" min={0} max={10000} step={0.01} value={budget} onChange={(e) => setBudget(e.target.value)} />
        </label>
        <button type="submit" disabled={save.isPending}>
          Save budget
        </button>
      </form>
      <label className="check">
        <input
          type="checkbox"
          checked={Boolean(project.auto_repair)}
          disabled={save.isPending}
          onChange={(e) => save.mutate({ auto_repair: e.target.checked })}
        />
        Repair pipeline frames that miss someone, show a stranger or drift, by themselves
      </label>
      <ErrorNote message={problemOf(save.error)} />
    </section>
  );
}
