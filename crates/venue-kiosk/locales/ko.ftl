# 한국어 화면 문구 (Fluent). en.ftl과 같은 id를 씁니다.

## 일정
now-heading = 지금 진행 중
coming-up-heading = 곧 시작
break-heading = 쉬는 시간
thanks-heading = 감사합니다
elsewhere-heading = 다른 방
waiting-for-event = 행사 정보를 기다리는 중…
schedule-not-loaded = 일정을 아직 불러오지 못했습니다
now-span = 진행 중 { $start }–{ $end }
next-at = 다음 { $at } · { $when }
each-track-continues = 트랙별 다음 세션
break-until = { $title } · { $end }까지
everywhere = 전체
no-more-today = 오늘 남은 세션 없음
rooms-page = 전체 { $total }개 중 { $from }–{ $to }번째 장소

## 시작까지 남은 시간
starts-now = 지금 시작
starts-in-minutes = { $minutes }분 후
starts-in-hours = { $hours }시간 후
starts-in-hours-minutes = { $hours }시간 { $minutes }분 후
starts-tomorrow = 내일
starts-in-days = { $days }일 후

## 긴급 안내
emergency-heading = 긴급 안내
emergency-more = 긴급 안내 { $count }건 더
emergency-issued = { $time } 발령 — 직원의 안내에 따라 주세요

## 날짜
date-long = { $year }년 { $month-number }월 { $day }일 { $weekday }
date-short = { $month-number }월 { $day }일 ({ $weekday-short })
weekday = { $n ->
    [1] 월요일
    [2] 화요일
    [3] 수요일
    [4] 목요일
    [5] 금요일
    [6] 토요일
   *[7] 일요일
}
weekday-short = { $n ->
    [1] 월
    [2] 화
    [3] 수
    [4] 목
    [5] 금
    [6] 토
   *[7] 일
}
month = { $n }월
month-short = { $n }월

## 행운의 추첨
draw-heading = 행운의 추첨
draw-winner = 당첨!
draw-winners = 당첨자
draw-sealing = 결과 봉인 중…
draw-more-winners = 외 { $count }명
draw-no-show = 불참:
draw-rolling = 추첨 중…
draw-journal-unavailable = 추첨 기록을 열 수 없습니다: { $error }
draw-local-list-unusable = 이 키오스크의 경품 목록을 쓸 수 없습니다 (운영자 패널 F1 참고): { $error }
draw-waiting = 이벤트 피드에서 경품과 응모권을 기다리는 중…
draw-no-prizes = 피드에 경품이 없습니다
draw-drawn-count = 당첨자 { $total }명 중 { $drawn }명 추첨
draw-done = 완료 · ← → 다음 경품
draw-ready = 준비 · SPACE로 추첨
draw-confirm-no-show = #{ $ticket } { $name } 불참인가요? N을 한 번 더: 대체 당첨자 1명 추첨 (시드 약속 { $commitment }) · ESC: 당첨 유지
draw-status = 시드 약속 { $commitment } { $anchor } · 응모권 { $tickets } (추첨 대상 { $pool }장) · { $server }
draw-keys = SPACE 다음 · ← → 경품 · ↑ ↓ 당첨자 · N 불참 · P 결과 카드 · ESC 취소
draw-keys-pages = PgUp PgDn 페이지 · End 전체 목록
draw-results-local = 로컬 기록에 결과 { $count }건 (이벤트 서버 없음)
draw-results-stored = 서버에 결과 { $count }건 저장
draw-results-waiting = { $count }건 대기
draw-results-conflicts = 충돌 { $count }건
draw-replaces = #{ $ticket } { $name } 대체 (불참)
draw-and-earlier = … 이전 당첨자 { $count }명
draw-server-differs = 이벤트 서버에 이 회차의 다른 결과가 있습니다
draw-server-winners = 서버의 당첨자: { $winners }
draw-seed-revealed = 공개된 시드 { $seed }
draw-page = 당첨자 { $total }명 중 { $from }–{ $to } · { $pages }쪽 중 { $page }쪽
draw-all-winners = 당첨자 전체 { $count }명
draw-server-refused = 이벤트 서버가 추첨 결과 { $sequence }번을 거부했습니다 (HTTP { $status }): { $reason }
draw-updated-locally = 추첨 갱신 (이 키오스크의 { $lists }): 경품 { $prizes }개, 추첨 대상 응모권 { $tickets }장; 새 시드 약속
draw-local-both = 경품 및 응모권 목록
draw-local-prizes = 경품 목록
draw-local-tickets = 응모권 목록
draw-registering = 추첨 등록 중…
draw-anchored = 이벤트 서버에 등록됨
draw-anchoring = 이벤트 서버에 등록 중…
draw-not-anchored = 서버 미등록: 이벤트 서버가 등록하지 못함
draw-not-anchored-local = 서버 미등록: 이벤트 서버 없음
# A prize's eligibility groups, in a short line under its name on stage.
draw-groups-only = { $groups } 전용
draw-groups-excluded = { $groups } 제외
draw-groups-list = { $rest } 및 { $last }
draw-group = { $group ->
    [staff] 스태프
    [speaker] 연사
    [speakers] 연사
    [sponsor] 후원사
    [sponsors] 후원사
    [volunteer] 자원봉사자
    [volunteers] 자원봉사자
   *[other] { $group }
}

## 큐브 타이밍
game-heading = 큐브 타이밍
game-waiting = 팀 정보를 기다리는 중…
game-paused = 일시 정지
game-round-complete = 라운드 완료
game-calibration = 보정
game-after-round = { $round } 후
game-early = 빠름 { $ms } ms
game-late = 늦음 { $ms } ms
game-on-time = 정확
game-calibration-by-ear = 소리 보정
game-by-ear-how = 들리는 박자마다 키(또는 SPACE)를 누르세요. 화면에는 아무것도 깜박이지 않습니다. 소리가 얼마나 늦게 들리는지 잽니다.
game-by-ear-set = { $taps }번 탭으로 소리 보정: 박자를 { $ms } ms 먼저 재생
game-by-ear-failed = 소리 보정 실패: 박자에 맞은 탭 { $taps }번, { $needed }번 필요. 소리는 그대로 { $ms } ms 먼저 재생. Shift+F7로 다시
game-by-ear-key = Shift+F7 소리 보정
game-sound-early = 소리 { $ms } ms 먼저
standings-heading = 순위
podium-heading = 시상대
bets-heading = 관객 예측
bets-open = 진행 중
bets-closed = 마감
bets-count = 예측 { $count }건
bets-how = 라운드 시작 전까지 핸드북에서 예측하세요

game-calibrated = { $taps }번 탭으로 보정 완료: 지연 보정 { $offset } ms
game-calibration-failed = 보정 실패: 박자에 맞은 탭 { $taps }번, { $needed }번 필요. 보정값은 { $kept } ms로 유지됩니다. F7로 다시 시도
game-keys-lobby = ENTER 시작 · F7 보정
game-keys-calibrating-lobby = 깜박일 때마다 탭하세요 · 마지막 박자 후 대기 화면으로
game-keys-calibrating-standings = 깜박일 때마다 탭하세요 · 마지막 박자 후 순위로
game-keys-playing = F8 일시 정지 · F5 라운드 다시 · F6 라운드 종료
game-keys-paused = F8 계속 · F5 라운드 다시
game-keys-folding = 곧 순위가 나옵니다
game-keys-standings = ENTER 다음 · F7 보정
game-keys-new-game-pending = 지금 ENTER를 한 번 더 누르면 새 게임 (같은 팀, 0점부터) · 기다리면 시상대 유지
game-keys-podium = 게임 종료 · ENTER 두 번: 같은 팀으로 새 게임
game-latency = 지연 보정 { $ms } ms
game-get-ready = 준비하세요
game-hit-your-key = 빛나는 칸에 닿을 때 키를 누르세요
game-paused-resume = F8을 누르면 멈춘 곳부터 계속
game-round-windows = { $rounds }라운드 중 { $round }라운드 · 퍼펙트 ±{ $perfect } ms · 그레이트 ±{ $great } · 굿 ±{ $good } · 배드 ±{ $bad }
game-weight = 점수 ×{ $weight }
game-round-points = 이번 라운드 { $points }
game-points = { $points }점
game-lobby-intro = { $teams }팀 · { $rounds }라운드 · 조각이 빛나는 칸에 닿는 순간 키를 누르세요
game-round-pieces = 조각 { $pieces }개 · 초당 { $speed }칸
game-lobby-start = 뒤 라운드일수록 배점이 큽니다 — 역전은 언제든 가능! ENTER 시작 · F7 보정
game-calibration-how = 원이 깜박이는 순간 키(또는 SPACE)를 누르세요. 지연의 중앙값이 보정값이 됩니다.
game-calibration-median = 현재 중앙값 { $ms } ms
game-calibration-needs = 중앙값에는 { $count }번 탭이 필요합니다
game-calibration-taps = { $beats }번 중 { $taps }번 탭 · { $median }
game-next-round = 다음: { $round } · ×{ $weight } — 최대 { $points }점. ENTER 시작
game-final-round-done = 마지막 라운드였습니다. ENTER로 시상대
game-rest-standing = { $rank }. { $team } { $points }점
game-server-differs = 이벤트 서버에 { $round }라운드의 다른 결과가 있습니다
game-server-refused = 이벤트 서버가 { $round }라운드를 거부했습니다 (HTTP { $status }): { $reason }

## 카지노
casino-heading = 카지노
casino-waiting = 경기 정보를 기다리는 중
casino-rounds-played = { $rounds }라운드 종료
casino-round-of = 라운드 { $round }/{ $rounds }
casino-most-dice-win = 주사위가 가장 많은 팀이 가장 높은 카드
casino-ties-cancel = 동점은 무효
casino-now-rolling = 차례
casino-dice-to-roll = 주사위 { $count }개
casino-round-complete = 라운드 { $round } 종료
casino-payouts = 정산
casino-next-round = 다음: 라운드 { $round } · { $team } 먼저
casino-final = 최종 결과
casino-no-dice = 주사위 없음
casino-tie = 무효
casino-no-card = 없음
casino-round-payouts = 라운드 { $round } 정산
casino-standings-after = 라운드 { $round } 정산
casino-dice-left = 남음
casino-console-entry = 진행은 운영 콘솔에서
casino-enter-roll = 주사위 입력
casino-match-over = 경기 종료
casino-name = 카지노 { $face }
casino-undone = 마지막 수를 취소했습니다
casino-placed = { $team }: 카지노 { $face }에 주사위 { $dice }개
casino-keys-face = 어느 눈? 1–6 놓기 · Backspace 뒤로
casino-keys-dice = 1–6 주사위 · Backspace 고치기 · Enter 후 눈 (또는 Shift+눈) · U 취소 · Esc 지우기
casino-keys-undo = U: 마지막 수 취소
casino-replay-failed = 수 목록을 다시 재생할 수 없습니다 ({ $error }). 마지막 정상 보드를 보여 줍니다.

## 연결 표시 (오른쪽 아래)
feed-connecting = { $source }에 연결 중
feed-live = 실시간 · { $source }
feed-stale = { $since }부터 갱신 지연 · { $source }
feed-offline = { $since }부터 오프라인 · { $source }
feed-saved-data = { $time }에 저장된 데이터
