import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act } from "react";
import { MemoryRouter, useLocation } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ok } from "../api/answers.fixture";
import { api, type Schemas } from "../api/client";
import { render } from "../ui/render.fixture";
import { useRegeneration } from "./queries";

let done: (() => void) | undefined;
afterEach(() => {
  done?.();
  vi.restoreAllMocks();
});

const beat = { artifact_type: "beat_image", artifact_key: "0" } as Schemas["ArtifactOut"];
let follow: (id: string | null) => void = () => {};

function Followed() {
  const regeneration = useRegeneration("c1", beat);
  follow = regeneration.follow;
  return (
    <p>
      {regeneration.following ? "following" : "idle"} {regeneration.job?.status ?? "-"} {useLocation().search}
    </p>
  );
}

/** Waits (in act) until the page says `text`. */
const says = (page: HTMLElement, text: string) =>
  vi.waitFor(async () => {
    await act(async () => new Promise((r) => setTimeout(r, 10)));
    expect(page.textContent).toBe(text);
  });

function opened(url: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const page = render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <Followed />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  done = page.unmount;
  return page.container;
}

describe("a regeneration", () => {
  it("is followed from the page's address, so a reload follows it still", async () => {
    vi.spyOn(api, "GET").mockResolvedValue(ok({ task_id: "t1", status: "RUNNING" }) as never);
    await says(opened("/checkpoints/c1?job-beat_image-0=t1"), "following RUNNING ?job-beat_image-0=t1");
  });

  it("leaves the address once its job is done; a failed one stays, to say so", async () => {
    vi.spyOn(api, "GET").mockResolvedValue(ok({ task_id: "t1", status: "DONE" }) as never);
    await says(opened("/checkpoints/c1?job-beat_image-0=t1"), "idle - ");
    done?.();
    vi.spyOn(api, "GET").mockResolvedValue(ok({ task_id: "t2", status: "ERROR", error: "boom" }) as never);
    await says(opened("/checkpoints/c1?job-beat_image-0=t2"), "idle ERROR ?job-beat_image-0=t2");
  });

  it("starts following a new job by writing it into the address, beside other parameters", async () => {
    vi.spyOn(api, "GET").mockResolvedValue(ok({ task_id: "t3", status: "QUEUED" }) as never);
    const page = opened("/checkpoints/c1?q=1");
    await says(page, "idle - ?q=1");
    await act(async () => follow("t3"));
    await says(page, "following QUEUED ?q=1&job-beat_image-0=t3");
  });
});
