-- wrk script: POST each line of $BENCH_BODIES (one JSON body per line) to /invocations, in turn.
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do
  bodies[#bodies + 1] = line
end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/invocations", {["Content-Type"] = "application/json"}, bodies[i])
end
response = function(status, headers, body)
  if status ~= 200 then
    io.write("non-200: ", status, " ", body, "\n")
  end
end
