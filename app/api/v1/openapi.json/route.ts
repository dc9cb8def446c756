// GET /api/v1/openapi.json: the API's OpenAPI 3.1 document (no token needed).
import { NextResponse } from "next/server";
import { openApiDocument } from "@/lib/api/openapi";
import { config } from "@/lib/config";

export function GET() {
  return NextResponse.json(openApiDocument(config().AUTH_URL), { headers: { "Cache-Control": "public, max-age=300" } });
}
