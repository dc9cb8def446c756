// labgrade logout: forgets the saved token; the token itself stays valid
// until revoked on the account page.
import { configFile, forgetLogin, readSaved } from "../config-store.js";

export async function logout(): Promise<number> {
  const saved = await readSaved();
  if (!saved) {
    console.log("not logged in: no saved token");
    return 0;
  }
  await forgetLogin();
  console.log(`forgot the token for ${saved.server ?? "the server"} (${configFile()}); revoke it on your account page if it may have been seen`);
  return 0;
}
