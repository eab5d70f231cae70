import { useState } from "react";
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

/** A beat image with a box on every face its continuity check found, and the faces named below. */
export function FrameFaces({ src, alt, report }: { src: string; alt: string; report: Report | null | undefined }) {
  const [size, setSize] = useState<[number, number] | null>(null);
  const faces = namedFaces(report, 0);
  return (
    <figure className="framed">
      <div className="frame">
        <img className="keyframe" src={src} alt={alt} onLoad={(e) => setSize([e.currentTarget.naturalWidth, e.currentTarget.naturalHeight])} />
        {size && faces.length > 0 && (
          <svg className="face-boxes" viewBox={`0 0 ${size[0]} ${size[1]}`} preserveAspectRatio="xMidYMid meet" aria-hidden="true">
            {faces.map(({ face, tone }, n) => {
              const [x1, y1, x2, y2] = face.box;
              return <rect key={n} className={`face-box ${tone}`} x={x1} y={y1} width={x2 - x1} height={y2 - y1} />;
            })}
          </svg>
        )}
      </div>
      {faces.length > 0 && (
        <figcaption>
          <ul className="face-list" aria-label="Faces in the frame">
            {faces.map(({ label, tone }, n) => (
              <li key={n} className={`face-name ${tone}`}>
                {label}
              </li>
            ))}
          </ul>
        </figcaption>
      )}
    </figure>
  );
}
