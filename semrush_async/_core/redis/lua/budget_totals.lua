-- ARGV: worker (or ''), running spent. Returns {spent, reserved} after purging.
if ARGV[1] ~= '' then sync(ARGV[1], tonumber(ARGV[2])) end
local spent, reserved = totals()
return {tostring(spent), tostring(reserved)}
