/** ["JPEG", "PNG", "WebP"] -> "JPEG, PNG or WebP". */
export function inWords(items: string[]): string {
  const last = items.at(-1) ?? "";
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} or ${last}` : last;
}
