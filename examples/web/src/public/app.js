// The demo page: everything through @auth-service/client, loaded as the standalone file.
// Query options, for trying the modes (and for the browser tests): ?storage=local|session|memory,
// ?cookie=1, ?margin=<seconds>. The client is also window.auth, to play with from the console.
import { createAuthClient } from '/auth-client.js';

const config = await (await fetch('/config.json')).json();
const params = new URLSearchParams(location.search);
const auth = createAuthClient({
  url: config.authUrl,
  storage: params.get('storage') ?? undefined,
  cookie: params.has('cookie') ? params.get('cookie') === '1' : config.cookie,
  refreshMargin: params.has('margin') ? Number(params.get('margin')) : undefined,
});
window.auth = auth;

const $ = (id) => document.getElementById(id);
const show = (error) => {
  $('error').textContent = error ? `${error.code ?? 'error'}: ${error.message}` : '';
};

async function render(state) {
  $('login').hidden = Boolean(state);
  $('account').hidden = !state;
  $('status').textContent = state ? 'Logged in' : 'Logged out';
  if (!state) return;
  try {
    const user = await auth.user();
    $('username').textContent = user.username;
    $('user-id').textContent = String(user.id);
    await renderSessions();
  } catch (error) {
    show(error);
  }
}

async function renderSessions() {
  const rows = (await auth.sessions()).map((session) => {
    const row = document.createElement('tr');
    row.className = session.current ? 'current' : '';
    for (const text of [session.created, session.last_used ?? '', session.client_address ?? '', session.user_agent ?? '']) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    const end = document.createElement('button');
    end.textContent = session.current ? 'End (this one)' : 'End';
    end.addEventListener('click', () =>
      act(async () => {
        await auth.endSession(session.id);
        if (auth.state()) await renderSessions();
      }),
    );
    const cell = document.createElement('td');
    cell.append(end);
    row.append(cell);
    return row;
  });
  $('sessions').replaceChildren(...rows);
}

async function act(task) {
  show(null);
  try {
    await task();
  } catch (error) {
    show(error);
  }
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  act(() => auth.login(String(form.get('username')), String(form.get('password'))));
});
$('password').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  act(async () => {
    const answer = await auth.changePassword(String(form.get('old')), String(form.get('new')));
    $('answer').textContent = JSON.stringify(answer);
    event.target.reset();
    await renderSessions();
  });
});
$('call').addEventListener('click', () =>
  act(async () => {
    const response = await auth.fetch(`${config.authUrl}/auth/me/`);
    $('answer').textContent = `${response.status} ${JSON.stringify(await response.json())}`;
  }),
);
$('logout').addEventListener('click', () => act(() => auth.logout()));
$('logout-all').addEventListener('click', () => act(() => auth.logoutAll()));
$('refresh-sessions').addEventListener('click', () => act(renderSessions));

auth.onChange(render);
render(auth.state());
