// echo: each request carries a random string; the node must send it back.
// Judged by lib/checkers/echo.ts.
import { z } from "zod";
import { checkEcho } from "../../checkers/echo.js";
import { defineWorkload } from "../types.js";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export const echoWorkload = defineWorkload({
  name: "echo",
  options: z.object({}),
  client: (rng) => ({
    next() {
      const length = 4 + rng.int(28);
      let text = "Please echo ";
      for (let i = 0; i < length; i++) text += ALPHABET[rng.int(ALPHABET.length)];
      return { f: "echo", value: text, body: { type: "echo", echo: text } };
    },
  }),
  okValue: (_op, reply) => reply.echo,
  check: checkEcho,
});
