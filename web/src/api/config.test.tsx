import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import { inWords } from "../ui/words";
import { render } from "../ui/render.fixture";
import { acceptedImages, categoriesOf, useRules } from "./config";
import { SERVED_CONFIG, SERVED_RULES } from "./config.fixture";
import { keys } from "./keys";

let done: (() => void) | undefined;
afterEach(() => done?.());

describe("the server's rules", () => {
  it("give the file inputs the image types the server takes", () => {
    expect(acceptedImages(SERVED_RULES)).toBe("image/jpeg,image/png,image/webp");
  });
  it("give every category, in the server's order", () => {
    expect(categoriesOf(SERVED_RULES)).toEqual(["CHARACTERS", "ENVIRONMENTS", "OBJECTS", "STYLES", "MIXED"]);
  });
  it("are read from the config the studio read at start, without asking again", () => {
    const client = new QueryClient();
    client.setQueryData(keys.config, SERVED_CONFIG);
    function Steps() {
      return <p>{useRules().steps.join(" ")}</p>;
    }
    const page = render(
      <QueryClientProvider client={client}>
        <Steps />
      </QueryClientProvider>,
    );
    done = page.unmount;
    expect(page.container.textContent).toBe("detection faces reverse_prompting tags contact_sheet");
  });
});

describe("inWords", () => {
  it.each([
    [["JPEG", "PNG", "WebP"], "JPEG, PNG or WebP"],
    [["JPEG", "PNG"], "JPEG or PNG"],
    [["JPEG"], "JPEG"],
    [[], ""],
  ])("%j -> %s", (items, words) => expect(inWords(items)).toBe(words));
});
