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
