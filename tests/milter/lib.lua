-- lib.lua - shared helpers for the miltertest scripts beside it (loaded by
-- each with dofile(LIB)). Not a test on its own.
--
-- Globals the driver (tests/integration/milter.sh) passes with -D:
--   SOCK   the milter's socket, e.g. unix:/tmp/x/milter.sock
--   LIB    this file
--   plus per-script ones documented at the top of each script.
--
-- miltertest exits 1 without a word when a script raises an error, so every
-- script runs its body through run(), which prints the traceback and the
-- failed checks, and exits 1 itself.

local M = {}

M.fails = 0

function M.check(cond, what)
  if cond then
    print("# ok: " .. what)
  else
    M.fails = M.fails + 1
    print("# FAILED: " .. what)
  end
  return cond
end

-- read a whole file (binary)
function M.slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- split a mail into a list of {name, value} (unfolded continuation lines kept
-- with CRLF as on the SMTP wire) and the body with CRLF line ends
function M.parse(mail)
  mail = mail:gsub("\r\n", "\n")
  local head, body = mail:match("^(.-)\n\n(.*)$")
  if head == nil then
    head, body = mail, ""
  end
  local headers = {}
  for line in (head .. "\n"):gmatch("(.-)\n") do
    if line:match("^[ \t]") and #headers > 0 then
      local h = headers[#headers]
      h[2] = h[2] .. "\r\n" .. line
    elseif line ~= "" and not line:match("^From ") then
      local name, value = line:match("^([^:]+):[ \t]?(.*)$")
      if name then
        table.insert(headers, { name, value })
      end
    end
  end
  return headers, (body:gsub("\n", "\r\n"))
end

-- connect with retries (the daemon may still be starting under ASan)
function M.connect()
  local conn = mt.connect(SOCK, 40, 0.25)
  if conn == nil then
    error("mt.connect(" .. tostring(SOCK) .. ") failed")
  end
  mt.set_timeout(tonumber(TIMEOUT or "120"))
  return conn
end

local function step(what, rc)
  if rc ~= nil then
    error(what .. ": " .. tostring(rc))
  end
end

-- whether the filter negotiated SMFIP_HDR_LEADSPC (header values sent and
-- returned with the space after the colon)
function M.leadspc(conn)
  return SMFIP_HDR_LEADSPC ~= nil and mt.test_option(conn, SMFIP_HDR_LEADSPC)
end

-- header(conn, name): the value of the first header NAME the filter added,
-- without the leading space HDR_LEADSPC puts there; and whether its
-- leading white space is what the negotiation asks for
function M.header(conn, name)
  local v = mt.getheader(conn, name, 0)
  if v == nil then
    return nil, true
  end
  if M.leadspc(conn) then
    return v:sub(2), v:match("^ %S") ~= nil or v == " "
  end
  return v, not v:match("^%s")
end

-- reply names for messages
local names = {}
function M.replyname(r)
  if next(names) == nil then
    names[SMFIR_CONTINUE] = "CONTINUE"
    names[SMFIR_ACCEPT] = "ACCEPT"
    names[SMFIR_REJECT] = "REJECT"
    names[SMFIR_TEMPFAIL] = "TEMPFAIL"
    names[SMFIR_DISCARD] = "DISCARD"
    names[SMFIR_REPLYCODE] = "REPLYCODE"
  end
  return names[r] or string.format("%q", string.char(math.floor(r)))
end

-- send(conn, headers, body, opts): one transaction up to the end of the body,
-- skipping every step the filter negotiated away. Returns nil when the filter
-- went along to the end of the body, or the first reply that was not
-- CONTINUE and the step at which it came.
-- opts: from, rcpts (list), qid, chunk (body chunk size)
function M.send(conn, headers, body, opts)
  opts = opts or {}
  local function early(stepname)
    local r = mt.getreply(conn)
    if r ~= SMFIR_CONTINUE then
      return r, stepname
    end
    return nil
  end
  if not mt.test_option(conn, SMFIP_NOCONNECT) then
    step("conninfo", mt.conninfo(conn, "mail.example.co.jp", "192.0.2.25"))
    if early("connect") then return early("connect") end
  end
  if not mt.test_option(conn, SMFIP_NOHELO) then
    step("helo", mt.helo(conn, "mail.example.co.jp"))
    if early("helo") then return early("helo") end
  end
  mt.macro(conn, SMFIC_MAIL, "i", opts.qid or "MTQID0001", "{mail_addr}",
           opts.from or "sender@example.co.jp")
  if not mt.test_option(conn, SMFIP_NOMAIL) then
    step("mailfrom", mt.mailfrom(conn, "<" .. (opts.from or "sender@example.co.jp") .. ">"))
    if early("mail") then return early("mail") end
  end
  for _, rcpt in ipairs(opts.rcpts or { "soumu@city.example.lg.jp" }) do
    mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", rcpt)
    if not mt.test_option(conn, SMFIP_NORCPT) then
      step("rcptto", mt.rcptto(conn, "<" .. rcpt .. ">"))
      if early("rcpt") then return early("rcpt") end
    end
  end
  if SMFIP_NODATA == nil or not mt.test_option(conn, SMFIP_NODATA) then
    step("data", mt.data(conn))
    if early("data") then return early("data") end
  end
  if not mt.test_option(conn, SMFIP_NOHDRS) then
    -- with SMFIP_HDR_LEADSPC the filter takes values with their leading
    -- space, as Postfix sends them
    local sp = M.leadspc(conn) and " " or ""
    for _, h in ipairs(headers) do
      step("header " .. h[1], mt.header(conn, h[1], sp .. h[2]))
      if early("header") then return early("header") end
    end
  end
  if not mt.test_option(conn, SMFIP_NOEOH) then
    step("eoh", mt.eoh(conn))
    if early("eoh") then return early("eoh") end
  end
  if not mt.test_option(conn, SMFIP_NOBODY) then
    local chunk = opts.chunk or 65535
    local i = 1
    while i <= #body do
      step("body", mt.bodystring(conn, body:sub(i, i + chunk - 1)))
      if early("body") then return early("body") end
      i = i + chunk
    end
  end
  return nil
end

-- eom(conn): end of message; returns the final reply
function M.eom(conn)
  step("eom", mt.eom(conn))
  return mt.getreply(conn)
end

-- run(f): run the script body, print the traceback of an error, exit 1 when
-- an error was raised or a check failed
function M.run(f)
  local ok, err = xpcall(f, debug.traceback)
  if not ok then
    print("# ERROR: " .. tostring(err))
    os.exit(1)
  end
  if M.fails > 0 then
    print("# " .. M.fails .. " check(s) failed")
    os.exit(1)
  end
end

return M
