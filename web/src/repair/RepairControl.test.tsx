import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { SERVED_CONFIG } from "../api/config.fixture";
import { keys } from "../api/keys";
import { choose, render } from "../ui/render.fixture";
import { RepairControl } from "./RepairControl";

let done: (() => void) | undefined;
afterEach(() => done?.());

type Artifact = Schemas["ArtifactOut"];
type Repair = NonNullable<Artifact["latest_repair"]>;

const attempt = (n: number, said: string) => ({ attempt: n, version: n + 1, status: "missing", at: "2026-12-07T00:00:00Z", said }) as Schemas["RepairAttemptOut"];

function shown(continuity: string, latest: Repair | null, left = 1) {
  const client = new QueryClient();
  client.setQueryData(keys.config, SERVED_CONFIG);
  const artifact = { artifact_key: "1", artifact_type: "beat_image", continuity: { status: continuity }, latest_repair: latest, repair_price: 0.04 } as unknown as Artifact;
  const page = render(
    <QueryClientProvider client={client}>
      <RepairControl checkpointId="c1" artifact={artifact} left={left} />
    </QueryClientProvider>,
  );
  done = page.unmount;
  return page.container;
}

describe("RepairControl", () => {
  it("offers a repair where the server says one helps, and nothing where it does not", () => {
    expect(shown("missing", null).querySelector("button")?.textContent).toBe("Repair");
    expect(shown("ok", null).textContent).toBe("");
  });

  it("says what a repair may cost before it is pressed, against what the budget has left", () => {
    const page = shown("missing", null);
    const quote = () => document.getElementById(page.querySelector("button")?.getAttribute("aria-describedby") ?? "");
    expect(quote()?.textContent).toBe("Up to 3 attempts, at most $0.12 of the $1.00 left");
    choose(page.querySelector("select") as HTMLSelectElement, "1");
    expect(quote()?.textContent).toBe("Up to 1 attempt, at most $0.04 of the $1.00 left");
    expect(shown("missing", null, 0.05).querySelector(".error")?.textContent).toBe("Up to 3 attempts, at most $0.12 of the $0.05 left");
  });

  it("follows a running repair from the checkpoint (after a reload too): its attempts in the server's words", () => {
    const page = shown("missing", { task_id: "t1", status: "RUNNING", max_attempts: 3, attempts: [attempt(1, "Attempt 1: v2 missing (missing CHAR_02) with CHAR_01")] });
    const lines = [...page.querySelectorAll("ol[aria-label='Repair attempts'] li")].map((li) => li.textContent);
    expect(lines).toEqual(["Attempt 1: v2 missing (missing CHAR_02) with CHAR_01", "Attempt 2 of 3: generating and checking…"]);
    expect(page.querySelector("button")?.hasAttribute("disabled")).toBe(true);
    expect(page.querySelector("[role=status]")).toBeNull();
  });

  it("says the outcome once done, even when the artifact now holds (no button then)", () => {
    const page = shown("ok", { task_id: "t1", status: "DONE", max_attempts: 3, outcome: "ok", attempts: [attempt(1, "Attempt 1: v2 ok")], said: "Repaired: v2 is ok after 1 attempt." });
    expect(page.querySelector("[role=status]")?.textContent).toBe("Repaired: v2 is ok after 1 attempt.");
    expect(page.querySelector("button")).toBeNull();
    expect(page.querySelectorAll("li")).toHaveLength(1);
  });

  it("says a repair that failed, and why", () => {
    const page = shown("missing", { task_id: "t1", status: "ERROR", max_attempts: 3, attempts: [], error: "the image model answered 400: refused" });
    expect(page.querySelector("[role=alert]")?.textContent).toBe("The repair failed: the image model answered 400: refused");
    expect(shown("missing", { task_id: "t2", status: "ERROR", max_attempts: 3, attempts: [] }).querySelector("[role=alert]")?.textContent).toBe("The repair failed.");
    expect(page.querySelector("button")?.hasAttribute("disabled")).toBe(false);
  });
});
