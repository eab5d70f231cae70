import { describe, expect, it } from "vitest";
import { DraftStore, useDraft } from "./drafts";
import { render, type } from "../ui/render.fixture";

/** A stand-in for a card's editor: one field of an asset's draft. */
function Field({ id }: { id: string }) {
  const [draft, setDraft] = useDraft(id);
  return <input aria-label={id} value={draft.name ?? ""} onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))} />;
}

const field = (container: HTMLElement, id: string) => container.querySelector<HTMLInputElement>(`[aria-label="${id}"]`);

describe("DraftStore", () => {
  it("keeps what was typed while a card is away (its row unmounted) and gives it back", () => {
    const page = render(
      <DraftStore>
        <Field id="a" />
        <Field id="b" />
      </DraftStore>,
    );
    type(field(page.container, "a")!, "a tall man");
    page.rerender(
      <DraftStore>
        <Field id="b" />
      </DraftStore>,
    ); // scrolled away
    expect(field(page.container, "a")).toBeNull();
    page.rerender(
      <DraftStore>
        <Field id="b" />
        <Field id="a" />
      </DraftStore>,
    ); // back, elsewhere
    expect(field(page.container, "a")!.value).toBe("a tall man");
    expect(field(page.container, "b")!.value).toBe("");
    page.unmount();
  });
  it("works without a store: the editor holds its own draft", () => {
    const page = render(<Field id="alone" />);
    type(field(page.container, "alone")!, "kept here");
    expect(field(page.container, "alone")!.value).toBe("kept here");
    page.unmount();
  });
});
