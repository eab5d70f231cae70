import type { Schemas } from "../api/client";

type Asset = Schemas["AssetOut"];

/** Who is who: each character with its handle, name and every image that shows that person. */
export function CastSection({ cast, assets }: { cast: Schemas["CastMember"][]; assets: Map<string, Asset> }) {
  return (
    <section aria-label="Cast" className="cast">
      <h2>Cast</h2>
      {cast.length === 0 && <p className="empty-note">No characters yet: a run groups the faces it finds into characters.</p>}
      <ul>
        {cast.map((member) => {
          const best = assets.get(member.best_reference_asset_id);
          const images = (member.asset_ids ?? []).map((id) => assets.get(id)).filter((a): a is Asset => Boolean(a));
          return (
            <li key={member.character_id} className="character" aria-label={`${member.handle} ${member.name}`}>
              {best?.thumbnail_url && <img className="face" src={best.thumbnail_url} alt={`${member.name}, best reference`} />}
              <p>
                <strong>{member.handle}</strong> · {member.name} · {images.length} images
              </p>
              <p className="strip">
                {images.map((a) =>
                  a.thumbnail_url ? <img key={a.id} src={a.thumbnail_url} alt={`${a.manifest_tag} ${a.name}`} loading="lazy" /> : null,
                )}
              </p>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
