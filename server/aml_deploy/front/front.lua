-- mirror_traffic: copy the request to the shadow deployment and throw its answer away. The copy is
-- sent by a background task, so the caller's request never waits for it. Only requests whose whole
-- body is in HAProxy's buffer (tune.bufsize, 1 MiB while mirroring) are copied; at most MAX_IN_FLIGHT
-- copies run at once.
local MAX_IN_FLIGHT = @MAX_IN_FLIGHT@
local TIMEOUT_MS = @TIMEOUT_MS@
local in_flight = 0
local methods = {GET = "get", POST = "post", PUT = "put", DELETE = "delete", HEAD = "head"}

core.register_action("aml_mirror", {"http-req"}, function(txn)
  local address = txn:get_var("txn.mirror_address")
  local send = methods[txn.f:method()]
  if address == nil or send == nil or in_flight >= MAX_IN_FLIGHT then return end
  if txn.f:req_body_len() ~= txn.f:req_body_size() then return end
  local body = txn.f:req_body() or ""
  local path = txn.f:path() or "/"
  local query = txn.f:query()
  if query ~= nil and query ~= "" then path = path .. "?" .. query end
  -- with its length: without it HAProxy's client sends the body chunked, which not every server reads
  local headers = {["content-length"] = {tostring(#body)}}
  local content_type = txn.f:req_fhdr("content-type")
  if content_type ~= nil then headers["content-type"] = {content_type} end
  in_flight = in_flight + 1
  core.register_task(function()
    pcall(function()
      local client = core.httpclient()
      client[send](client, {url = "http://" .. address .. path, headers = headers, body = body, timeout = TIMEOUT_MS})
    end)
    in_flight = in_flight - 1
  end)
end, 0)
