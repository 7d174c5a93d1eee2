# English labels of the screens (Fluent, https://projectfluent.org). One file per language, the
# same ids in each; tests check that every file has every id of this one.
# Headings (`-heading`) are short; a bilingual screen shows them in both languages ("NOW · 지금").

## Schedule
now-heading = NOW
coming-up-heading = COMING UP
break-heading = BREAK
thanks-heading = THAT'S ALL — THANK YOU
elsewhere-heading = Elsewhere
waiting-for-event = Waiting for the event feed…
schedule-not-loaded = Schedule not loaded yet
now-span = NOW { $start }–{ $end }
next-at = NEXT { $at } · { $when }
each-track-continues = where each track continues
break-until = { $title } · until { $end }
everywhere = Everywhere
no-more-today = no more sessions today
rooms-page = rooms { $from }–{ $to } of { $total }

## How far away a start is
starts-now = starting now
starts-in-minutes = in { $minutes } min
starts-in-hours = in { $hours } h
starts-in-hours-minutes = in { $hours } h { $minutes } min
starts-tomorrow = tomorrow
starts-in-days = in { $days } days

## Emergency takeover
emergency-heading = EMERGENCY
emergency-more = + { $count } more
emergency-issued = Issued { $time } — please follow staff instructions

## Dates: $weekday and $month are the names below, $month-number 1–12
date-long = { $weekday } { $day } { $month } { $year }
date-short = { $weekday-short } { $day } { $month-short }
weekday = { $n ->
    [1] Monday
    [2] Tuesday
    [3] Wednesday
    [4] Thursday
    [5] Friday
    [6] Saturday
   *[7] Sunday
}
weekday-short = { $n ->
    [1] Mon
    [2] Tue
    [3] Wed
    [4] Thu
    [5] Fri
    [6] Sat
   *[7] Sun
}
month = { $n ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
month-short = { $n ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
}

## Lucky draw
draw-heading = LUCKY DRAW
draw-winner = WINNER
draw-winners = WINNERS
draw-sealing = SEALING THE RESULT…
draw-more-winners = + { $count } more
draw-no-show = no-show:
draw-rolling = ROLLING…
draw-journal-unavailable = Draw journal unavailable: { $error }
draw-local-list-unusable = Local prize list unusable (see the operator panel, F1): { $error }
draw-waiting = Waiting for prizes and tickets from the event feed…
draw-no-prizes = No prizes in the feed
draw-drawn-count = { $drawn } of { $total } winners drawn
draw-done = DONE · ← → next prize
draw-ready = READY · SPACE to draw
draw-confirm-no-show = #{ $ticket } { $name } did not show up? N again: draw one replacement (seed commitment { $commitment }) · ESC: keep the winner
draw-status = Seed commitment { $commitment } { $anchor } · Tickets { $tickets } ({ $pool } in the pool) · { $server }
draw-keys = SPACE next · ← → prize · ↑ ↓ winner · N no-show · P result card · ESC cancel
draw-keys-pages = PgUp PgDn pages · End full list
draw-results-local = { $count ->
    [one] 1 result
   *[other] { $count } results
} in the local journal (no event server)
draw-results-stored = { $count ->
    [one] 1 result
   *[other] { $count } results
} stored on the server
draw-results-waiting = { $count } waiting
draw-results-conflicts = { $count } CONFLICTS
draw-replaces = replaces #{ $ticket } { $name } (no-show)
draw-and-earlier = … and { $count } earlier
draw-server-differs = THE EVENT SERVER HOLDS A DIFFERENT RESULT FOR THIS BATCH
draw-server-winners = server's winners: { $winners }
draw-seed-revealed = seed revealed { $seed }
draw-page = Winners { $from }–{ $to } of { $total } · page { $page } of { $pages }
draw-all-winners = All { $count } winners
draw-server-refused = The event server refused draw result { $sequence } (HTTP { $status }): { $reason }
draw-updated-locally = Draw updated ({ $lists } on this kiosk): { $prizes } prizes, { $tickets } tickets in the pool; new seed commitment
draw-local-both = local prize and ticket lists
draw-local-prizes = local prize list
draw-local-tickets = local ticket list
draw-registering = REGISTERING THE DRAW…
draw-anchored = anchored with the event server
draw-anchoring = registering with the event server…
draw-not-anchored = NOT ANCHORED: not registered with the server
draw-not-anchored-local = not anchored: no event server
# A prize's eligibility groups, in a short line under its name on stage.
draw-groups-only = Only { $groups }
draw-groups-excluded = { $groups } excluded
# Two or more groups: "staff, speakers and sponsors".
draw-groups-list = { $rest } and { $last }
# A group's name on stage; groups without a label show as they are named.
draw-group = { $group ->
    [staff] staff
    [speaker] speakers
    [speakers] speakers
    [sponsor] sponsors
    [sponsors] sponsors
    [volunteer] volunteers
    [volunteers] volunteers
   *[other] { $group }
}

## Cube game
game-heading = CUBE TIMING
game-waiting = Waiting for teams from the event feed…
game-paused = PAUSED
game-round-complete = ROUND COMPLETE
game-calibration = CALIBRATION
game-after-round = after { $round }
game-early = EARLY { $ms } ms
game-late = LATE { $ms } ms
game-on-time = ON TIME
game-calibration-by-ear = CALIBRATION BY EAR
game-by-ear-how = Tap your key (or SPACE) on each beat you hear. Nothing flashes: this measures how late the sound arrives.
game-by-ear-set = Sound calibrated from { $taps } taps: the beat plays { $ms } ms early
game-by-ear-failed = Sound calibration failed: { $taps } of { $needed } taps on the beat. The sound stays { $ms } ms early. Shift+F7 to try again
game-by-ear-key = Shift+F7 calibrate the sound
game-sound-early = sound { $ms } ms early
standings-heading = STANDINGS
podium-heading = PODIUM
bets-heading = THE ROOM BETS
bets-open = open
bets-closed = closed
bets-count = { $count ->
    [one] 1 bet
   *[other] { $count } bets
}
bets-how = Bet on your handbook page until the round starts

game-calibrated = Calibrated from { $taps } taps: latency correction { $offset } ms
game-calibration-failed = Calibration failed: { $taps ->
    [one] 1 tap
   *[other] { $taps } taps
} on the beat, { $needed } needed. The correction stays { $kept } ms. F7 to try again
game-keys-lobby = ENTER start · F7 calibrate
game-keys-calibrating-lobby = Tap along with each pulse · after the last one: back to the lobby
game-keys-calibrating-standings = Tap along with each pulse · after the last one: back to the standings
game-keys-playing = F8 pause · F5 restart round · F6 end round
game-keys-paused = F8 resume · F5 restart round
game-keys-folding = The standings follow
game-keys-standings = ENTER next · F7 calibrate
game-keys-new-game-pending = ENTER again now for a new game (same teams, scores from 0) · wait to keep the podium
game-keys-podium = Game over · ENTER twice: a new game with the same teams
game-latency = latency correction { $ms } ms
game-get-ready = GET READY
game-hit-your-key = HIT YOUR KEY ON THE GLOWING SLOT
game-paused-resume = F8 resumes where it stopped
game-round-windows = round { $round } of { $rounds } · perfect ±{ $perfect } ms · great ±{ $great } · good ±{ $good } · bad ±{ $bad }
game-weight = ×{ $weight } points
game-round-points = { $points } this round
game-points = { $points } pts
game-lobby-intro = { $teams } teams · { $rounds } rounds · press your key the moment the piece reaches the glowing slot
game-round-pieces = { $pieces } pieces · { $speed } slots/s
game-lobby-start = Later rounds weigh more — a late comeback is always possible. ENTER to start · F7 to calibrate
game-calibration-how = Tap your key (or SPACE) exactly when the circle flashes. The median delay becomes the latency correction.
game-calibration-median = median so far { $ms } ms
game-calibration-needs = a median needs { $count } taps
game-calibration-taps = { $taps } taps of { $beats } · { $median }
game-next-round = NEXT: { $round } · ×{ $weight } — up to { $points } points at stake. ENTER to start
game-final-round-done = That was the final round. ENTER for the podium
game-rest-standing = { $rank }. { $team } { $points } pts
game-server-differs = The event server holds a different result for round { $round }
game-server-refused = The event server refused round { $round } (HTTP { $status }): { $reason }

## Dice game
casino-heading = CASINO
casino-waiting = Waiting for the match from the event feed…
casino-rounds-played = { $rounds } rounds played
casino-round-of = Round { $round } of { $rounds }
casino-most-dice-win = most dice take the top card
casino-ties-cancel = ties cancel
casino-now-rolling = NOW ROLLING
casino-dice-to-roll = { $count ->
    [one] 1 die to roll
   *[other] { $count } dice to roll
}
casino-round-complete = ROUND { $round } COMPLETE
casino-payouts = Payouts
casino-next-round = next: round { $round } · { $team } rolls first
casino-final = FINAL
casino-no-dice = no dice yet
casino-tie = TIE
casino-no-card = no card
casino-round-payouts = ROUND { $round } PAYOUTS
casino-standings-after = standings after round { $round }
casino-dice-left = { $count } left
casino-console-entry = Moves are entered on the organisers' console
casino-enter-roll = ENTER A ROLL
casino-match-over = THE MATCH IS OVER
casino-name = CASINO { $face }
casino-undone = Last move undone
casino-placed = { $team }: { $dice } on casino { $face }
casino-keys-face = Which face? 1–6 places · Backspace back
casino-keys-dice = 1–6 a die · Backspace fix · Enter, then the face (or Shift+face) · U undo · Esc clear
casino-keys-undo = U undoes the last move
casino-replay-failed = The move list does not replay ({ $error }). Showing the last good board.

## The feed indicator (bottom right)
feed-connecting = connecting to { $source }
feed-live = live · { $source }
feed-stale = stale since { $since } · { $source }
feed-offline = offline since { $since } · { $source }
feed-saved-data = saved data from { $time }
