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
