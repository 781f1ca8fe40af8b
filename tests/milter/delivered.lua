-- delivered.lua - a mail the milter sanitises and lets through (cases a, d, e).
-- -D SOCK=unix:... -D LIB=.../lib.lua -D MAIL=FILE.eml
-- [-D VERDICT=delivered|held] [-D QID=...] [-D PAD=N: append N bytes of
-- Japanese text to the body, for the hold-on-oversize case]
-- Checks: the final reply is ACCEPT or CONTINUE; the body was replaced; every
-- original header was deleted (CHGHEADER with an empty value), the original
-- Content-Type among them; X-Mugai-Verdict, X-Mugai-Id, MIME-Version and
-- Content-Type were added; added values start with one space when the
-- filter negotiated SMFIP_HDR_LEADSPC, with none otherwise.
local t = dofile(LIB)
t.run(function()
  local headers, body = t.parse(t.slurp(MAIL))
  if PAD then
    local line = "無害化試験用の長い本文です。０１２３４５６７８９\r\n"
    body = body .. string.rep(line, math.floor(tonumber(PAD) / #line) + 1)
  end
  local conn = t.connect()
  local r, at = t.send(conn, headers, body, { qid = QID or "MTDELIV01" })
  t.check(r == nil, "the filter accepts every step before the end of message" ..
          (r and (" (got " .. t.replyname(r) .. " at " .. at .. ")") or ""))
  if r ~= nil then mt.disconnect(conn) return end
  local reply = t.eom(conn)
  t.check(reply == SMFIR_ACCEPT or reply == SMFIR_CONTINUE,
          "end of message answered ACCEPT or CONTINUE (got " .. t.replyname(reply) .. ")")
  t.check(mt.eom_check(conn, MT_BODYCHANGE), "the body was replaced")
  local verdict = t.header(conn, "X-Mugai-Verdict")
  t.check(verdict == (VERDICT or "delivered"),
          "X-Mugai-Verdict added: " .. tostring(verdict))
  local id = t.header(conn, "X-Mugai-Id")
  t.check(id ~= nil and id:match("^[0-9A-HJKMNP-TV-Z]+$") ~= nil and #id == 26,
          "X-Mugai-Id added, a ULID: " .. tostring(id))
  t.check(t.header(conn, "MIME-Version") == "1.0", "MIME-Version: 1.0 added")
  t.check(mt.eom_check(conn, MT_HDRADD, "Content-Type"), "Content-Type added")
  local seen = {}
  for _, h in ipairs(headers) do
    local n = h[1]
    if not seen[n:lower()] then
      seen[n:lower()] = true
      t.check(mt.eom_check(conn, MT_HDRDELETE, n), "original " .. n .. " deleted")
    end
  end
  t.check(seen["content-type"] ~= nil, "the original had a Content-Type (fixture sanity)")
  for _, n in ipairs({ "X-Mugai-Verdict", "X-Mugai-Id", "Content-Type", "MIME-Version", "Subject" }) do
    local _, good = t.header(conn, n)
    t.check(good, n .. " value starts with a space only if HDR_LEADSPC says so")
  end
  mt.disconnect(conn)
end)
