import { afterEach, describe, expect, it } from "vitest";
import { click, render, type } from "../ui/render.fixture";
import { EditableText } from "./EditableText";

let done: (() => void) | undefined;
afterEach(() => done?.());

const field = (c: HTMLElement) => c.querySelector("textarea") as HTMLTextAreaElement;
const state = (c: HTMLElement) => c.querySelector(".save-state")?.textContent;

describe("EditableText", () => {
  it("shows the server's text as it changes while nobody edits it", () => {
    const save = async () => null;
    const page = render(<EditableText label="Reverse prompt" value="a man" save={save} />);
    done = page.unmount;
    page.rerender(<EditableText label="Reverse prompt" value="a tall man" save={save} />);
    expect(field(page.container).value).toBe("a tall man");
  });

  it("keeps what is being typed when the server's text changes under it", () => {
    const save = async () => null;
    const page = render(<EditableText label="Reverse prompt" value="a man" save={save} />);
    done = page.unmount;
    type(field(page.container), "a man in a suit");
    page.rerender(<EditableText label="Reverse prompt" value="a tall man" save={save} />);
    expect(field(page.container).value).toBe("a man in a suit");
    expect(state(page.container)).toBe("Unsaved changes");
  });

  it("says Saved once the server holds the text, and why not when it refuses", async () => {
    let answer: string | null = null;
    let value = "a man";
    const save = async (text: string) => {
      if (!answer) value = text;
      return answer;
    };
    const page = render(<EditableText label="Name" value={value} save={save} />);
    done = page.unmount;
    type(field(page.container), "Obama");
    await click(page.container.querySelector("button") as HTMLButtonElement);
    page.rerender(<EditableText label="Name" value={value} save={save} />); // the re-read
    expect(field(page.container).value).toBe("Obama");
    expect(state(page.container)).toBe("Saved");

    answer = "name: must hold a visible character";
    type(field(page.container), "   ");
    await click(page.container.querySelector("button") as HTMLButtonElement);
    expect(page.container.querySelector("[role=alert]")?.textContent).toBe(answer);
    expect(field(page.container).value).toBe("   "); // kept, to be put right
  });
});
