package approvals

import "github.com/redis/go-redis/v9"

// Every transition script takes the same keys and leading arguments:
//
//	KEYS[1] the request hash, KEYS[2] the pending index, KEYS[3] the audit stream
//	ARGV[1] now in unix milliseconds, ARGV[2] now as RFC 3339 (for the audit),
//	ARGV[3] the audit stream's approximate length cap
//
// The clock comes from the caller, never from Redis TIME, so tests can move it.
// A script answers false (redis.Nil) when the request does not exist, or
// {changed, refusal code, HGETALL of the hash} (see decodeReply).
const prelude = `
local now, stamp, auditlen = tonumber(ARGV[1]), ARGV[2], ARGV[3]

local function audit(actor, action, env, detail)
  redis.call("XADD", KEYS[3], "MAXLEN", "~", auditlen, "*",
    "time", stamp, "actor", actor, "action", action, "env", env, "job", "", "detail", detail)
end

local function reply(changed, refusal)
  return {changed, refusal, redis.call("HGETALL", KEYS[1])}
end

-- expire ends a pending request that is past its expiry. decided_at is the
-- expiry itself: that is when it lapsed, however late it was noticed.
local function expire(id, env, action, expires)
  redis.call("HSET", KEYS[1], "state", "expired", "decided_by", "", "decided_at", expires)
  redis.call("ZREM", KEYS[2], id)
  audit("resyncbot", "approval.expired", env, id .. " " .. action)
end
`

// createScript stores a new request unless its id is taken (answering 0 so
// the caller draws another id), indexes it as pending and audits it.
// ARGV[4] hash TTL ms, ARGV[5] expires ms, ARGV[6] id, ARGV[7] env,
// ARGV[8] requester, ARGV[9] audit detail, ARGV[10…] field/value pairs.
var createScript = redis.NewScript(prelude + `
if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
redis.call("HSET", KEYS[1], unpack(ARGV, 10))
redis.call("PEXPIRE", KEYS[1], ARGV[4])
redis.call("ZADD", KEYS[2], ARGV[5], ARGV[6])
audit(ARGV[8], "approval.request", ARGV[7], ARGV[9])
return 1
`)

// voteScript records one approve or deny. ARGV[4] person, ARGV[5] "1" to
// approve or "0" to deny, ARGV[6] the vote as JSON, appended to the votes array.
var voteScript = redis.NewScript(prelude + `
if redis.call("EXISTS", KEYS[1]) == 0 then return false end
local person, approve, vote = ARGV[4], ARGV[5] == "1", ARGV[6]
local f = redis.call("HMGET", KEYS[1], "id", "env", "action", "state", "requester", "expires", "needed", "votes")
local id, env, action, state, requester, expires, needed, votes = f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]
local verb = "deny"
if approve then verb = "approve" end

local function refuse(changed, code, why)
  audit(person, "approval.vote", env, id .. " " .. verb .. " refused: " .. why)
  return reply(changed, code)
end

if state == "expired" then return refuse(0, "expired", "expired") end
if state ~= "pending" then return refuse(0, "resolved", "already " .. state) end
if now >= tonumber(expires) then
  expire(id, env, action, expires)
  return refuse(1, "expired", "expired")
end
if person == requester then return refuse(0, "own", "own request") end

local approvals = 0
for _, v in ipairs(cjson.decode(votes)) do
  if v.person == person then return refuse(0, "voted", "already voted") end
  if v.approve then approvals = approvals + 1 end
end
if votes == "[]" then
  votes = "[" .. vote .. "]"
else
  votes = string.sub(votes, 1, -2) .. "," .. vote .. "]"
end
redis.call("HSET", KEYS[1], "votes", votes)
audit(person, "approval.vote", env, id .. " " .. verb)

if not approve then
  redis.call("HSET", KEYS[1], "state", "denied", "decided_by", person, "decided_at", ARGV[1])
  redis.call("ZREM", KEYS[2], id)
  audit(person, "approval.denied", env, id .. " " .. action)
elseif approvals + 1 >= tonumber(needed) then
  redis.call("HSET", KEYS[1], "state", "approved", "decided_by", person, "decided_at", ARGV[1])
  redis.call("ZREM", KEYS[2], id)
  audit(person, "approval.approved", env, id .. " " .. action)
end
return reply(1, "")
`)

// cancelScript withdraws a pending request on behalf of its requester.
// ARGV[4] person.
var cancelScript = redis.NewScript(prelude + `
if redis.call("EXISTS", KEYS[1]) == 0 then return false end
local person = ARGV[4]
local f = redis.call("HMGET", KEYS[1], "id", "env", "action", "state", "requester", "expires")
local id, env, action, state, requester, expires = f[1], f[2], f[3], f[4], f[5], f[6]

local function refuse(changed, code, why)
  audit(person, "approval.cancel", env, id .. " cancel refused: " .. why)
  return reply(changed, code)
end

if state == "expired" then return refuse(0, "expired", "expired") end
if state ~= "pending" then return refuse(0, "resolved", "already " .. state) end
if now >= tonumber(expires) then
  expire(id, env, action, expires)
  return refuse(1, "expired", "expired")
end
if person ~= requester then return refuse(0, "not_requester", "not the requester") end

redis.call("HSET", KEYS[1], "state", "cancelled", "decided_by", person, "decided_at", ARGV[1])
redis.call("ZREM", KEYS[2], id)
audit(person, "approval.cancelled", env, id .. " " .. action)
return reply(1, "")
`)

// expireScript expires one request found in the pending index, if it is
// still pending and past its expiry. Index entries whose request is gone or
// decided are dropped. Only the caller that makes the transition gets the
// request back, so concurrent sweeps report each expiry once. ARGV[4] id.
var expireScript = redis.NewScript(prelude + `
local id = ARGV[4]
if redis.call("EXISTS", KEYS[1]) == 0 then
  redis.call("ZREM", KEYS[2], id)
  return false
end
local f = redis.call("HMGET", KEYS[1], "env", "action", "state", "expires")
local env, action, state, expires = f[1], f[2], f[3], f[4]
if state ~= "pending" then
  redis.call("ZREM", KEYS[2], id)
  return false
end
if now < tonumber(expires) then return false end
expire(id, env, action, expires)
return reply(1, "expired")
`)

// setMessageScript records where a request was posted, if it still exists.
// KEYS[1] the request hash; ARGV platform, channel, message id.
var setMessageScript = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
redis.call("HSET", KEYS[1], "msg_platform", ARGV[1], "msg_channel", ARGV[2], "msg_id", ARGV[3])
return 1
`)
