const roleNames: Record<string, string> = {
  secretariat: 'secretariat staff',
  network_reviewer: 'network reviewer',
  city_official: 'city official',
};

/** The invitation e-mail; its body holds the one-time token, so the outbox marks it sensitive. */
export function invitationMail(p: { name: string; role: string; token: string; expiresAt: Date; baseUrl: string }) {
  return {
    subject: 'Your invitation to the Action Pledge platform',
    text: [
      `Dear ${p.name},`,
      '',
      `You have been invited to the Action Pledge endorsement platform as ${roleNames[p.role] ?? p.role}.`,
      'To accept, choose a password of at least 12 characters and send it with this token:',
      '',
      `  ${p.token}`,
      '',
      `  POST ${p.baseUrl}/api/v1/invitations/accept  { "token": "…", "password": "…" }`,
      '',
      `The invitation can be used once and expires on ${p.expiresAt.toISOString().slice(0, 10)}.`,
      'If you did not expect it, ignore this message.',
    ].join('\n'),
  };
}
