// A native-mode lab's page says what the program is told and must do: it
// brings its own transport, so these are the whole interface.
import { NATIVE_PROGRAM_TOLD } from "@/lib/labs/manage-labs";
import { NativeToldFacts } from "../native-told";

export function NativeModeCard() {
  return (
    <section className="card" aria-labelledby="lab-native" data-testid="lab-native">
      <h2 id="lab-native">Native mode: what your program is told</h2>
      <p>Your program brings its own transport between nodes. Each node starts with:</p>
      <NativeToldFacts told={NATIVE_PROGRAM_TOLD} />
    </section>
  );
}
