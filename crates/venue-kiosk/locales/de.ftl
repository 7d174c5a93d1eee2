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
rooms-page = Räume { $from }–{ $to } von { $total }

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
draw-journal-unavailable = Ziehungsjournal nicht verfügbar: { $error }
draw-local-list-unusable = Lokale Preisliste unbrauchbar (siehe Bedienfeld, F1): { $error }
draw-waiting = Warte auf Preise und Lose aus den Veranstaltungsdaten…
draw-no-prizes = Keine Preise in den Daten
draw-drawn-count = { $drawn } von { $total } Gewinnern gezogen
draw-done = FERTIG · ← → nächster Preis
draw-ready = BEREIT · LEERTASTE zum Ziehen
draw-confirm-no-show = #{ $ticket } { $name } nicht erschienen? Noch einmal N: einen Ersatz ziehen (Seed-Commitment { $commitment }) · ESC: Gewinner behalten
draw-status = Seed-Commitment { $commitment } { $anchor } · Lose { $tickets } ({ $pool } im Topf) · { $server }
draw-keys = LEERTASTE weiter · ← → Preis · ↑ ↓ Gewinner · N nicht erschienen · P Ergebniskarte · ESC abbrechen
draw-keys-pages = Bild↑ Bild↓ Seiten · Ende ganze Liste
draw-results-local = { $count ->
    [one] 1 Ergebnis
   *[other] { $count } Ergebnisse
} im lokalen Journal (kein Veranstaltungsserver)
draw-results-stored = { $count ->
    [one] 1 Ergebnis
   *[other] { $count } Ergebnisse
} auf dem Server gespeichert
draw-results-waiting = { $count } wartend
draw-results-conflicts = { $count } KONFLIKTE
draw-replaces = ersetzt #{ $ticket } { $name } (nicht erschienen)
draw-and-earlier = … und { $count } frühere
draw-server-differs = DER VERANSTALTUNGSSERVER HAT EIN ANDERES ERGEBNIS FÜR DIESE ZIEHUNG
draw-server-winners = Gewinner laut Server: { $winners }
draw-seed-revealed = Seed offengelegt { $seed }
draw-page = Gewinner { $from }–{ $to } von { $total } · Seite { $page } von { $pages }
draw-all-winners = Alle { $count } Gewinner
draw-server-refused = Der Veranstaltungsserver hat Ziehungsergebnis { $sequence } abgelehnt (HTTP { $status }): { $reason }
draw-updated-locally = Ziehung aktualisiert ({ $lists } auf diesem Kiosk): { $prizes } Preise, { $tickets } Lose im Topf; neues Seed-Commitment
draw-local-both = lokale Preis- und Loslisten
draw-local-prizes = lokale Preisliste
draw-local-tickets = lokale Losliste
draw-registering = ZIEHUNG WIRD REGISTRIERT…
draw-anchored = beim Event-Server verankert
draw-anchoring = wird beim Event-Server registriert…
draw-not-anchored = NICHT VERANKERT: nicht beim Server registriert
draw-not-anchored-local = nicht verankert: kein Event-Server
# A prize's eligibility groups, in a short line under its name on stage.
draw-groups-only = Nur { $groups }
draw-groups-excluded = { $groups } ausgeschlossen
draw-groups-list = { $rest } und { $last }
draw-group = { $group ->
    [staff] Team
    [speaker] Vortragende
    [speakers] Vortragende
    [sponsor] Sponsoren
    [sponsors] Sponsoren
    [volunteer] Helfende
    [volunteers] Helfende
   *[other] { $group }
}

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

game-calibrated = Aus { $taps } Taps kalibriert: Latenzkorrektur { $offset } ms
game-calibration-failed = Kalibrierung fehlgeschlagen: { $taps ->
    [one] 1 Tap
   *[other] { $taps } Taps
} im Takt, { $needed } nötig. Die Korrektur bleibt { $kept } ms. F7 für einen neuen Versuch
game-keys-lobby = ENTER Start · F7 Kalibrieren
game-keys-calibrating-lobby = Bei jedem Puls tippen · nach dem letzten: zurück zur Lobby
game-keys-calibrating-standings = Bei jedem Puls tippen · nach dem letzten: zurück zum Zwischenstand
game-keys-playing = F8 Pause · F5 Runde neu · F6 Runde beenden
game-keys-paused = F8 weiter · F5 Runde neu
game-keys-folding = Gleich folgt der Zwischenstand
game-keys-standings = ENTER weiter · F7 Kalibrieren
game-keys-new-game-pending = Jetzt noch einmal ENTER für ein neues Spiel (gleiche Teams, Punkte ab 0) · warten behält das Podium
game-keys-podium = Spiel vorbei · zweimal ENTER: neues Spiel mit denselben Teams
game-latency = Latenzkorrektur { $ms } ms
game-get-ready = MACHT EUCH BEREIT
game-hit-your-key = DRÜCKT EURE TASTE AM LEUCHTENDEN FELD
game-paused-resume = F8 macht dort weiter, wo es stand
game-round-windows = Runde { $round } von { $rounds } · perfekt ±{ $perfect } ms · super ±{ $great } · gut ±{ $good } · schlecht ±{ $bad }
game-weight = ×{ $weight } Punkte
game-round-points = { $points } in dieser Runde
game-points = { $points } Pkt.
game-lobby-intro = { $teams } Teams · { $rounds } Runden · drückt eure Taste, sobald das Teil das leuchtende Feld erreicht
game-round-pieces = { $pieces } Teile · { $speed } Felder/s
game-lobby-start = Spätere Runden zählen mehr — ein Comeback ist immer möglich. ENTER Start · F7 Kalibrieren
game-calibration-how = Tippt eure Taste (oder LEERTASTE) genau, wenn der Kreis aufleuchtet. Die mittlere Verzögerung wird zur Latenzkorrektur.
game-calibration-median = Median bisher { $ms } ms
game-calibration-needs = ein Median braucht { $count } Taps
game-calibration-taps = { $taps } von { $beats } Taps · { $median }
game-next-round = ALS NÄCHSTES: { $round } · ×{ $weight } — bis zu { $points } Punkte. ENTER Start
game-final-round-done = Das war die letzte Runde. ENTER für das Podium
game-rest-standing = { $rank }. { $team } { $points } Pkt.
game-server-differs = Der Veranstaltungsserver hat ein anderes Ergebnis für Runde { $round }
game-server-refused = Der Veranstaltungsserver hat Runde { $round } abgelehnt (HTTP { $status }): { $reason }

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
casino-name = CASINO { $face }
casino-undone = Letzter Zug zurückgenommen
casino-placed = { $team }: { $dice } auf Casino { $face }
casino-keys-face = Welche Augenzahl? 1–6 setzt · Rücktaste zurück
casino-keys-dice = 1–6 ein Würfel · Rücktaste korrigieren · Enter, dann die Augenzahl (oder Umschalt+Zahl) · U zurück · Esc leeren
casino-keys-undo = U nimmt den letzten Zug zurück
casino-replay-failed = Die Zugliste lässt sich nicht nachspielen ({ $error }). Das letzte gültige Brett bleibt.

## Die Verbindungsanzeige (unten rechts)
feed-connecting = verbinde mit { $source }
feed-live = live · { $source }
feed-stale = veraltet seit { $since } · { $source }
feed-offline = offline seit { $since } · { $source }
feed-saved-data = gespeicherte Daten von { $time }
