// What a native-mode program is told (lib/labs/manage-labs.ts NATIVE_PROGRAM_TOLD),
// as the lab form and a native lab's page both list it: each environment
// variable and its meaning, then how clients reach the program.
export interface NativeTold {
  env: ReadonlyArray<{ name: string; meaning: string }>;
  clients: string;
}

export function NativeToldFacts({ told }: { told: NativeTold }) {
  return (
    <>
      <dl className="facts">
        {told.env.map((e) => (
          <div key={e.name}>
            <dt>
              <code>{e.name}</code>
            </dt>
            <dd>{e.meaning}</dd>
          </div>
        ))}
      </dl>
      <p>{told.clients}</p>
    </>
  );
}
