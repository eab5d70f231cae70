import { useId, useState } from "react";
import type { Schemas } from "../api/client";

type Report = Schemas["ContinuityReport"];
type Face = Schemas["FaceInFrame"];

export interface NamedFace {
  face: Face;
  label: string;
  tone: "cast" | "wrong" | "unsure";
}

/** What each face of a checked frame is, in words and colour: a cast member asked for (named),
 * somebody not asked for or nobody of the cast (red), a face that could not be told (amber). */
export function namedFaces(report: Report | null | undefined, frame: number): NamedFace[] {
  const who = new Map((report?.characters ?? []).map((c) => [c.character_id, c]));
  return (report?.faces ?? [])
    .filter((f) => f.frame === frame)
    .map((face) => {
      const character = face.character_id ? who.get(face.character_id) : undefined;
      if (!face.identifiable) return { face, label: "a face too small or blurred to tell", tone: "unsure" };
      if (face.matched && character) {
        const name = `${character.name} (${character.handle})`;
        return character.expected ? { face, label: name, tone: "cast" } : { face, label: `${name}, not asked for`, tone: "wrong" };
      }
      if (character) return { face, label: `looks like ${character.name}, not enough to tell`, tone: "unsure" };
      return { face, label: "somebody not in the cast", tone: "wrong" };
    });
}

/** An image's natural size and the width its picture takes on screen (object-fit: contain). */
function shownSize(img: HTMLImageElement): [number, number, number] {
  const [w, h] = [img.naturalWidth, img.naturalHeight];
  return [w, h, Math.min(img.clientWidth, (img.clientHeight * w) / Math.max(1, h))];
}

/** A word over a face's box: whom it shows (the colour says whether they belong), "Name?" for a
 * likeness too weak to tell, "?" for a face that cannot be told, "unknown" for nobody of the cast. */
function shortLabel({ face, tone }: NamedFace, report: Report | null | undefined): string {
  const character = face.character_id ? (report?.characters ?? []).find((c) => c.character_id === face.character_id) : undefined;
  if (!face.identifiable) return "?";
  if (character) return face.matched ? character.name : `${character.name}?`;
  return tone === "wrong" ? "unknown" : "?";
}

/** A beat image with a box and a name on every face its continuity check found, and the faces
 * named below it (in its alt text too): each name, focused or pointed at, lights its box, and
 * pressed keeps it lit. */
export function FrameFaces({ src, alt, report }: { src: string; alt: string; report: Report | null | undefined }) {
  const [size, setSize] = useState<[number, number, number] | null>(null); // natural width, height; shown width
  const [lit, setLit] = useState<number | null>(null); // pointed at or focused
  const [pinned, setPinned] = useState<number | null>(null); // pressed: stays lit
  const faces = namedFaces(report, 0);
  const hintId = useId();
  const described = faces.length ? `${alt}: ${faces.map((f) => f.label).join("; ")}` : alt;
  // A label about 13 px high as shown, in the image's own pixels (the boxes' coordinates).
  const type = size ? Math.round((13 * size[0]) / Math.max(1, size[2])) : 13;
  return (
    <figure className="framed">
      <div className="frame">
        <img className="keyframe" src={src} alt={described} onLoad={(e) => setSize(shownSize(e.currentTarget))} />
        {size && faces.length > 0 && (
          <svg className="face-boxes" viewBox={`0 0 ${size[0]} ${size[1]}`} preserveAspectRatio="xMidYMid meet" aria-hidden="true">
            {faces.map((named, n) => {
              const [x1, y1, x2, y2] = named.face.box;
              return (
                <g key={n} className={`face-box-group ${named.tone}${(lit ?? pinned) === n ? " lit" : ""}`}>
                  <rect className={`face-box ${named.tone}`} x={x1} y={y1} width={x2 - x1} height={y2 - y1} />
                  <text className="face-label" x={x1} y={y1 > type * 1.4 ? y1 - type * 0.35 : y2 + type} fontSize={type}>
                    {shortLabel(named, report)}
                  </text>
                </g>
              );
            })}
          </svg>
        )}
      </div>
      {faces.length > 0 && (
        <figcaption>
          <ul className="face-list" aria-label="Faces in the frame">
            {faces.map(({ label, tone }, n) => (
              <li key={n}>
                <button
                  type="button"
                  className={`face-name ${tone}`}
                  aria-pressed={pinned === n}
                  aria-describedby={`${hintId}`}
                  onFocus={() => setLit(n)}
                  onBlur={() => setLit(null)}
                  onMouseEnter={() => setLit(n)}
                  onMouseLeave={() => setLit(null)}
                  onClick={() => setPinned(pinned === n ? null : n)}
                >
                  {label}
                </button>
              </li>
            ))}
          </ul>
          <span id={hintId} className="sr-only">
            Marks this face's box on the frame; pressed, the mark stays.
          </span>
        </figcaption>
      )}
    </figure>
  );
}
