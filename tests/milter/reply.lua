-- reply.lua - a mail the milter must refuse with a given SMTP reply (cases b
-- and c: oversize, pipeline failure).
-- -D SOCK=unix:... -D LIB=.../lib.lua -D CODE=452 [-D ESC=4.3.4 -D TEXT=...]
-- and either -D MAIL=FILE.eml or -D SIZE=N (a generated Japanese mail whose
-- body has at least N bytes).
-- Checks: the reply (at the end of message, or earlier if the filter answers
-- as soon as the size is over its limit) is REPLYCODE, or TEMPFAIL / REJECT
-- matching CODE's class; at the end of message, when ESC and TEXT are given,
-- the reply is exactly "CODE ESC TEXT"; no body or header change was asked.
local t = dofile(LIB)
t.run(function()
  local headers, body
  if MAIL then
    headers, body = t.parse(t.slurp(MAIL))
  else
    headers = {
      { "From", "=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.co.jp>" },
      { "To", "soumu@city.example.lg.jp" },
      { "Subject", "=?UTF-8?B?5aSn44GN44Gq6LOH5paZ?=" },
      { "Message-ID", "<" .. (QID or "reply") .. "@example.co.jp>" },
      { "MIME-Version", "1.0" },
      { "Content-Type", "text/plain; charset=UTF-8" },
      { "Content-Transfer-Encoding", "8bit" },
    }
    local line = "大きな資料の本文です。サイズ上限の試験に使います。\r\n"
    body = string.rep(line, math.floor(tonumber(SIZE) / #line) + 1)
  end
  local conn = t.connect()
  local r, at = t.send(conn, headers, body, { qid = QID or "MTREPLY01" })
  local class = CODE:sub(1, 1)
  local plain = class == "4" and SMFIR_TEMPFAIL or SMFIR_REJECT
  if r ~= nil then
    -- an early answer (e.g. from the body callback): miltertest keeps only
    -- the reply type, not its text
    t.check(r == SMFIR_REPLYCODE or r == plain,
            "early reply at " .. at .. " is " .. t.replyname(r))
    print("# note: the filter answered at " .. at .. "; the reply text is not visible to miltertest")
    mt.disconnect(conn)
    return
  end
  local reply = t.eom(conn)
  t.check(reply == SMFIR_REPLYCODE or reply == plain,
          "end of message answered REPLYCODE or " .. t.replyname(plain) ..
          " (got " .. t.replyname(reply) .. ")")
  if reply == SMFIR_REPLYCODE and ESC and TEXT then
    t.check(mt.eom_check(conn, MT_SMTPREPLY, CODE, ESC, TEXT),
            "the reply is \"" .. CODE .. " " .. ESC .. " " .. TEXT .. "\"")
  end
  t.check(not mt.eom_check(conn, MT_BODYCHANGE), "the body was not replaced")
  t.check(not mt.eom_check(conn, MT_HDRADD), "no header was added")
  t.check(not mt.eom_check(conn, MT_HDRCHANGE), "no header was changed or deleted")
  mt.disconnect(conn)
end)
