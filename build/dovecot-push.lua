-- SPDX-License-Identifier: Apache-2.0
--
-- Dovecot's push_notification Lua driver script for mod_eas: tells
-- mod_eas's change-notification endpoint (SetHandler eas-notify) which
-- mailboxes of a user changed, so that the phones waiting on them (Ping,
-- Sync with Wait) are answered at once, with no IMAP connection held
-- while they wait.
--
-- Events (RFC 5423, as Dovecot's push_notification plugin reports them,
-- from LMTP/LDA delivery and from IMAP clients alike): MessageNew,
-- MessageAppend, MessageExpunge, FlagsSet, FlagsClear, MailboxCreate,
-- MailboxDelete, MailboxRename (the old and the new name),
-- MailboxSubscribe, MailboxUnsubscribe.  A transaction's events are
-- gathered: one notification per mailbox per committed transaction (one
-- for anything of the user when a transaction touched more than
-- MAX_MAILBOXES), sent when Dovecot ends the transaction.
--
-- A notification is
--   POST <push_lua_url>?user=<user>&mailbox=<mailbox>
--   X-EAS-Notify-Secret: <push_lua_secret>
-- with no body: it carries no content (no subject, no sender, no flags,
-- no uid).  The user is the login name as Dovecot knows it (%u), the
-- mailbox its name in UTF-8 (as Dovecot gives it: the namespace's prefix
-- and separator), both percent-encoded.
--
-- Delivery is never held long: each request may take push_lua_timeout_msecs
-- (default 500) and is tried once; after a failure (refused, timed out,
-- a 5xx answer) this script sends nothing more for push_lua_backoff_secs
-- (default 30), and says so once in Dovecot's log.  Dovecot loads the
-- script afresh for each user session (each IMAP login, each LMTP
-- recipient), so the backoff spans one session: a dead httpd costs a
-- delivery a refused connection on loopback (nothing measurable), a hung
-- one the timeout per delivery and once per backoff in an IMAP session
-- (bench/dovecot_push/delivery.py).  A lost notification only delays a
-- Ping to its next look.
--
-- Dovecot configuration (2.3.19; needs dovecot.http of Dovecot's Lua):
--
--   mail_plugins = $mail_plugins notify push_notification mail_lua push_notification_lua
--   plugin {
--     push_notification_driver = lua:file=/usr/local/lib/mod_eas/dovecot-push.lua
--     push_lua_url = http://127.0.0.1/eas-notify
--     push_lua_secret = <EASNotifySecret, or "</path/to/file" to read it from a file>
--     #push_lua_timeout_msecs = 500
--     #push_lua_backoff_secs = 30
--   }
--
-- mail_plugins must hold them for imap and lmtp (or lda) alike; mind a
-- "protocol imap { mail_plugins = ... }" that does not start from
-- $mail_plugins.  An https URL uses Dovecot's ssl_client_* settings.

local MAX_MAILBOXES = 16
local DEFAULT_TIMEOUT_MSECS = 500
local DEFAULT_BACKOFF_SECS = 30
local USER_AGENT = "mod_eas-dovecot-push"

-- After a failure to reach the endpoint, nothing is sent until then; a
-- failure or a refusal is said at most once until said_until (os.time()).
local down_until = 0
local said_until = 0

local function number_setting(user, name, default, min, max)
  local v = tonumber(user:plugin_getenv(name) or "")
  if v == nil or v < min or v > max then
    return default
  end
  return math.floor(v)
end

local function percent_encode(s)
  return (s:gsub("[^A-Za-z0-9%-._~]", function(c)
    return string.format("%%%02X", c:byte())
  end))
end

-- The secret without the blanks around it and without line breaks: one
-- read from a file ("</path") keeps the file's last line end, and
-- Dovecot's HTTP client stops the process on a header value holding one.
local function secret_setting(user)
  local v = user:plugin_getenv("push_lua_secret")
  if v == nil then
    return nil
  end
  return (v:gsub("[\r\n]", ""):match("^%s*(.-)%s*$"))
end

-- ---- the transaction: the mailboxes it touched ----

function dovecot_lua_notify_begin_txn(user)
  return {
    user = user.username,
    url = user:plugin_getenv("push_lua_url"),
    secret = secret_setting(user),
    timeout = number_setting(user, "push_lua_timeout_msecs",
                             DEFAULT_TIMEOUT_MSECS, 50, 60000),
    backoff = number_setting(user, "push_lua_backoff_secs",
                             DEFAULT_BACKOFF_SECS, 0, 3600),
    mailboxes = {},
    count = 0,
  }
end

local function touched(ctx, mailbox)
  if mailbox == nil or ctx.mailboxes[mailbox] then
    return
  end
  ctx.mailboxes[mailbox] = true
  ctx.count = ctx.count + 1
end

local function on_mailbox(ctx, event)
  touched(ctx, event.mailbox)
end

dovecot_lua_notify_event_message_new = on_mailbox
dovecot_lua_notify_event_message_append = on_mailbox
dovecot_lua_notify_event_message_expunge = on_mailbox
dovecot_lua_notify_event_flags_set = on_mailbox
dovecot_lua_notify_event_flags_clear = on_mailbox
dovecot_lua_notify_event_mailbox_create = on_mailbox
dovecot_lua_notify_event_mailbox_delete = on_mailbox
dovecot_lua_notify_event_mailbox_subscribe = on_mailbox
dovecot_lua_notify_event_mailbox_unsubscribe = on_mailbox

function dovecot_lua_notify_event_mailbox_rename(ctx, event)
  touched(ctx, event.mailbox_old)
  touched(ctx, event.mailbox)
end

-- ---- the notifications ----

local function new_client(ctx)
  return dovecot.http.client({
    user_agent = USER_AGENT,
    request_timeout_msecs = ctx.timeout,
    request_absolute_timeout_msecs = ctx.timeout,
    connect_timeout_msecs = ctx.timeout,
    soft_connect_timeout_msecs = ctx.timeout,
    max_attempts = 1,
    max_connect_attempts = 1,
    max_redirects = 0,
    no_auto_redirect = true,
    no_auto_retry = true,
  })
end

-- Whether the endpoint answered; a failure is said (then quiet).
local function post(client, ctx, mailbox)
  local url = ctx.url .. (ctx.url:find("?", 1, true) and "&" or "?")
              .. "user=" .. percent_encode(ctx.user)
              .. "&mailbox=" .. percent_encode(mailbox)
  local req = client:request({ url = url, method = "POST" })
  if ctx.secret ~= nil and ctx.secret ~= "" then
    req:add_header("X-EAS-Notify-Secret", ctx.secret)
  end
  local resp = req:submit()
  local status = resp:status()
  if status >= 200 and status < 300 then
    return true
  end
  -- 9000 and above: Dovecot's own (no connection, timed out).
  local down, now = status >= 500, os.time()
  if down then
    down_until = now + ctx.backoff
  end
  if said_until <= now then
    dovecot.i_warning(string.format(
      "mod_eas push: %s answered %d %s%s", ctx.url, status,
      tostring(resp:reason()),
      down and string.format(" (no notifications for %d s)", ctx.backoff)
           or " (check push_lua_secret and the endpoint's Require)"))
    said_until = now + ctx.backoff
  end
  return not down
end

local function notify(ctx)
  local client = new_client(ctx)
  if ctx.count > MAX_MAILBOXES then
    post(client, ctx, "")
    return
  end
  for mailbox in pairs(ctx.mailboxes) do
    if not post(client, ctx, mailbox) then
      return
    end
  end
end

function dovecot_lua_notify_end_txn(ctx, success)
  if not success or ctx.count == 0 or ctx.url == nil or ctx.url == "" then
    return
  end
  if down_until > os.time() then
    return
  end
  if dovecot.http == nil then
    dovecot.i_error("mod_eas push: this Dovecot's Lua has no dovecot.http: "
                    .. "no notifications")
    down_until = os.time() + 3600
    return
  end
  notify(ctx)
end
