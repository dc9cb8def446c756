// The line under a form that says how its last submission went: a status
// when it worked, an alert when it did not (screen readers announce both).
export function FormMessage({ message, ok }: { message: string | null; ok: boolean }) {
  if (!message) return null;
  return (
    <p className={ok ? "form-note" : "form-error"} role={ok ? "status" : "alert"}>
      {message}
    </p>
  );
}
