/** Where an installation's settings page is, under the app's public address (HAMSTER_PUBLIC_URL). */
export function renderSettingsUrl(publicUrl: string, installationId: number): string {
  return `${publicUrl.replace(/\/+$/, "")}/hamster/installations/${installationId}/settings`;
}
