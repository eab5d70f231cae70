import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { render, type } from "../ui/render.fixture";
import { SpecEditor } from "./SpecEditor";

let done: (() => void) | undefined;
afterEach(() => done?.());

const spec = (title: string): Schemas["VideoSpec"] => ({ title, logline: "", aspect_ratio: "16:9", duration_s: 8, beats: [] });

function editor(client: QueryClient, title: string, version: number) {
  return (
    <QueryClientProvider client={client}>
      <SpecEditor checkpointId="c1" spec={spec(title)} version={version} />
    </QueryClientProvider>
  );
}

const title = (c: HTMLElement) => c.querySelector("input") as HTMLInputElement;

describe("SpecEditor", () => {
  it("keeps the person's typing across a re-read of the same version", () => {
    const client = new QueryClient();
    const page = render(editor(client, "Dawn", 1));
    done = page.unmount;
    type(title(page.container), "Dawn, again");
    page.rerender(editor(client, "Dawn", 1));
    expect(title(page.container).value).toBe("Dawn, again");
  });

  it("shows a new version from the server in place of an older draft", () => {
    const client = new QueryClient();
    const page = render(editor(client, "Dawn", 1));
    done = page.unmount;
    type(title(page.container), "Dawn, again");
    page.rerender(editor(client, "The debate, at dawn", 2));
    expect(title(page.container).value).toBe("The debate, at dawn");
  });
});
