-- wrk: GET one of the N recorded paths at random (N from the first argument)
local n = 1000
function init(args)
  n = tonumber(args[1]) or n
  math.randomseed(os.time() + math.random(1000))
end
function request()
  return wrk.format("GET", "/v1/items/" .. math.random(0, n - 1) .. "?view=full", { Host = "api.bench.test" })
end
