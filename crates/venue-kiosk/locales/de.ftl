# Deutsche Beschriftungen der Bildschirme (Fluent); dieselben ids wie en.ftl.

## Programm
now-heading = JETZT
coming-up-heading = GLEICH
break-heading = PAUSE
thanks-heading = DAS WAR’S — DANKE
elsewhere-heading = In anderen Räumen
waiting-for-event = Warte auf die Veranstaltungsdaten…
schedule-not-loaded = Programm noch nicht geladen
now-span = JETZT { $start }–{ $end }
next-at = DANACH { $at } · { $when }
each-track-continues = so geht es in jedem Track weiter
break-until = { $title } · bis { $end }
everywhere = Überall
no-more-today = heute keine weiteren Beiträge

## Wie lange bis zum Beginn
starts-now = beginnt jetzt
starts-in-minutes = in { $minutes } Min.
starts-in-hours = in { $hours } Std.
starts-in-hours-minutes = in { $hours } Std. { $minutes } Min.
starts-tomorrow = morgen
starts-in-days = in { $days } Tagen

## Notfall
emergency-heading = NOTFALL
emergency-more = + { $count } weitere
emergency-issued = Ausgelöst { $time } — bitte folgen Sie den Anweisungen des Personals

## Datum
date-long = { $weekday }, { $day }. { $month } { $year }
date-short = { $weekday-short }, { $day }. { $month-short }
weekday = { $n ->
    [1] Montag
    [2] Dienstag
    [3] Mittwoch
    [4] Donnerstag
    [5] Freitag
    [6] Samstag
   *[7] Sonntag
}
weekday-short = { $n ->
    [1] Mo
    [2] Di
    [3] Mi
    [4] Do
    [5] Fr
    [6] Sa
   *[7] So
}
month = { $n ->
    [1] Januar
    [2] Februar
    [3] März
    [4] April
    [5] Mai
    [6] Juni
    [7] Juli
    [8] August
    [9] September
    [10] Oktober
    [11] November
   *[12] Dezember
}
month-short = { $n ->
    [1] Jan.
    [2] Feb.
    [3] März
    [4] Apr.
    [5] Mai
    [6] Juni
    [7] Juli
    [8] Aug.
    [9] Sept.
    [10] Okt.
    [11] Nov.
   *[12] Dez.
}

## Verlosung
draw-heading = VERLOSUNG
draw-winner = GEWONNEN
draw-winners = GEWINNER
draw-sealing = ERGEBNIS WIRD VERSIEGELT…
draw-more-winners = + { $count } weitere
draw-no-show = nicht erschienen:
draw-rolling = ES ROLLT…

## Würfel-Timing-Spiel
game-heading = CUBE TIMING
game-waiting = Warte auf die Teams aus den Veranstaltungsdaten…
game-paused = PAUSE
game-round-complete = RUNDE VORBEI
game-calibration = KALIBRIERUNG
game-after-round = nach { $round }
game-early = ZU FRÜH { $ms } ms
game-late = ZU SPÄT { $ms } ms
game-on-time = PÜNKTLICH
game-calibration-by-ear = KALIBRIERUNG NACH GEHÖR
game-by-ear-how = Drückt eure Taste (oder LEERTASTE) auf jeden Schlag, den ihr hört. Nichts blinkt: gemessen wird, wie spät der Ton ankommt.
game-by-ear-set = Ton kalibriert aus { $taps } Anschlägen: der Schlag kommt { $ms } ms früher
game-by-ear-failed = Tonkalibrierung fehlgeschlagen: { $taps } von { $needed } Anschlägen im Takt. Der Ton bleibt { $ms } ms früher. Umschalt+F7 für einen neuen Versuch
game-by-ear-key = Umschalt+F7 Ton kalibrieren
game-sound-early = Ton { $ms } ms früher
standings-heading = STAND
podium-heading = SIEGERTREPPCHEN
bets-heading = DER SAAL TIPPT
bets-open = offen
bets-closed = geschlossen
bets-count = { $count ->
    [one] 1 Tipp
   *[other] { $count } Tipps
}
bets-how = Tippe auf deiner Handbuch-Seite, bis die Runde beginnt

## Würfelspiel
casino-heading = CASINO
casino-waiting = Warte auf das Spiel aus den Veranstaltungsdaten…
casino-rounds-played = { $rounds } Runden gespielt
casino-round-of = Runde { $round } von { $rounds }
casino-most-dice-win = die meisten Würfel nehmen die höchste Karte
casino-ties-cancel = Gleichstand zählt nicht
casino-now-rolling = AM ZUG
casino-dice-to-roll = { $count ->
    [one] noch 1 Würfel
   *[other] noch { $count } Würfel
}
casino-round-complete = RUNDE { $round } VORBEI
casino-payouts = Auszahlung
casino-next-round = weiter: Runde { $round } · { $team } beginnt
casino-final = ENDSTAND
casino-no-dice = noch keine Würfel
casino-tie = GLEICHSTAND
casino-no-card = keine Karte
casino-round-payouts = AUSZAHLUNG RUNDE { $round }
casino-standings-after = Stand nach Runde { $round }
casino-dice-left = noch { $count }
casino-console-entry = Züge werden in der Orga-Konsole eingegeben
casino-enter-roll = WURF EINGEBEN
casino-match-over = DAS SPIEL IST VORBEI
