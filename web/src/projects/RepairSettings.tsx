import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { must, problemOf } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { keys } from "../api/keys";
import { ErrorNote } from "../ui/ErrorNote";

/** What repairs may spend on this project, what they have, and whether failing pipeline versions repair themselves. */
export function RepairSettings({ project }: { project: Schemas["ProjectDetail"] }) {
  const client = useQueryClient();
  const [budget, setBudget] = useState(String(project.repair_budget ?? 1));
  const save = useMutation({
    mutationFn: (body: Schemas["ProjectUpdate"]) =>
      must(api.PATCH("/api/projects/{project_id}", { params: { path: { project_id: project.project_id } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.project(project.project_id) }),
  });
  const spent = project.repair_spent ?? 0;
  return (
    <section aria-label="Repairs" className="repair-settings">
      <h2>Repairs</h2>
      <p className="meta">
        Spent ${spent.toFixed(4)} of ${(project.repair_budget ?? 1).toFixed(2)} (running repairs hold what they may still cost).
      </p>
      <form
        aria-label="Repair budget"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ repair_budget: Number(budget) });
        }}
      >
        <label>
          Budget (USD){" "}
          <input type="number" min={0} max={10000} step={0.01} value={budget} onChange={(e) => setBudget(e.target.value)} />
        </label>{" "}
        <button type="submit" disabled={save.isPending}>
          Save budget
        </button>
      </form>
      <label>
        <input
          type="checkbox"
          checked={Boolean(project.auto_repair)}
          disabled={save.isPending}
          onChange={(e) => save.mutate({ auto_repair: e.target.checked })}
        />{" "}
        Repair pipeline frames that miss someone, show a stranger or drift, by themselves
      </label>
      <ErrorNote message={problemOf(save.error)} />
    </section>
  );
}
