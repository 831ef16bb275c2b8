"""Every value a person reads, in Chinese, in one place: channels, reminder kinds and roles,
statuses of the outbox and the sent log, actions, why a send failed, due rules and periods.

Pages, messages, exports and the 通报 take their words from here; the stored values stay the
English keys of `vocabulary` (what `preview`, `log` and the JSON API speak). Pure: imports
only `vocabulary` and the due-rule types.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from reminder.calendar.rules import (
    DueRule,
    FixedRule,
    PeriodRule,
    RRuleRule,
    WeeklyRule,
    YearlyRule,
)

CHANNELS = {
    "email": "邮件",
    "wecom": "企业微信",
    "webhook": "Webhook",
    "dingtalk": "钉钉",
    "feishu": "飞书",
    "sms": "短信",
    "none": "未设置渠道",
}
KINDS = {
    "before": "提前提醒",
    "due": "到期提醒",
    "overdue": "逾期催办",
    "escalation": "督办升级",
    "routine": "例行工作",
    "alert": "发送失败通知",
    "test": "测试消息",
    "report": "通报",
}
ROLES = {
    "lead": "牵头",
    "cooperate": "配合",
    "escalation": "督办",
    "leader": "分管领导",
    "admin": "管理员",
}
ACTIONS = {
    "done": "办结",
    "reopen": "重新打开",
    "ack": "签收",
    "feedback": "反馈",
    "explain": "情况说明",
    "extend": "申请延期",
    "approved": "批准延期",
    "refused": "不予延期",
}
# 情况说明 and 延期 (vocabulary.Submission, SubmissionStatus), and the page's notice after each.
SUBMISSIONS = {"explain": "情况说明", "extend": "延期申请"}
SUBMISSION_STATUSES = {"pending": "待审批", "approved": "已批准", "refused": "未获批准"}
DATE_WANTED = "请填写日期（年-月-日）。"
SUBMISSION_NOTICES = {
    "explain": "已提交情况说明。",
    "extend": "已提交延期申请，请等待管理员审批。",
    "approved": "已批准延期。",
    "refused": "已退回延期申请。",
}
# What a kept message shows where it carried a working link (the link itself is not kept).
LINK_MARKER = "[链接]"
# The sent log's statuses, and the outbox's (a reminder not tried yet).
LOG_STATUSES = {
    "sending": "发送中",
    "unknown": "结果不明",
    "sent": "已送达",
    "retrying": "待重试",
    "failed": "发送失败",
    "held": "暂缓发送",
    "superseded": "已合并到后续提醒",
    "cancelled": "已取消",
    "dry-run": "演练（未发送）",
}
OUTBOX_STATUSES = {**LOG_STATUSES, "pending": "待发送", "failed": "发送失败"}
LIGHTS = {
    "red": "逾期",
    "yellow": "临近",
    "green": "正常",
    "done": "已办结",
    "past": "例行·本期已过",
}
DEADLINE_KINDS = {"deadline": "限时任务", "routine": "例行工作"}

# Why a send failed, by the code the channel reported (the platform's own code and text are
# kept beside these words as the technical detail).
FAILURES = {
    "93000": "企业微信机器人 key 无效",
    "93004": "企业微信机器人已被停用",
    "93008": "企业微信机器人已不在群内",
    "40058": "消息内容过长或参数错误",
    "44004": "消息内容为空",
    "40008": "消息类型无效",
    "45009": "发送过于频繁，超出机器人频率限制",
    "310000": "钉钉机器人签名或关键词校验未通过",
    "300001": "钉钉机器人 access_token 无效",
    "400101": "钉钉机器人 access_token 不存在",
    "400102": "钉钉机器人已被停用",
    "400106": "钉钉机器人不存在或已不在群内",
    "460101": "消息内容过长",
    "410100": "钉钉机器人发送过于频繁，已被限流",
    "130101": "钉钉机器人发送过于频繁，已被限流",
    "19021": "飞书机器人签名校验未通过",
    "19022": "飞书机器人拒绝了本服务器的 IP 地址",
    "19024": "消息中没有飞书机器人要求的关键词",
    "19001": "飞书机器人地址无效",
    "11232": "飞书机器人发送过于频繁",
    "sms-refused": "短信网关拒绝发送",
    "sms-answer": "短信网关的应答无法识别，请核对 ok_field",
    "timeout": "连接超时，对方服务器未响应",
    "network": "无法连接对方服务器",
    "tls": "加密连接（TLS）建立失败",
    "starttls": "邮件服务器不支持或拒绝 STARTTLS 加密",
    "ca_file": "证书文件无法读取",
    "auth": "邮箱登录失败，请核对账号和授权码",
    "535": "邮箱登录被拒绝，请核对账号和授权码",
    "550": "收件地址不存在或被拒收",
    "552": "邮件过大，被邮件服务器拒收",
    "554": "邮件被邮件服务器拒收（可能被判为垃圾邮件）",
}
# Why a reminder was not sent, by the reason recorded in English.
NOT_SENT = (
    ("done: marked by", "已办结"),
    ("done, or no longer in schedules.toml", "已办结或已从配置中删除"),
    ("re-planned", "配置调整后不再需要"),
    ("a later reminder for the same task and office replaced it", "已合并到后续提醒"),
    ("not configured", "渠道尚未配置"),
    ("daily SMS cap reached", "今日短信条数已达上限"),
    ("is not set", "渠道尚未配置（环境变量未设置）"),
    ("not a usable URL", "机器人地址无法使用"),
)
# The query fields a page may refuse, by name.
FIELDS = {
    "office": "科室",
    "deadline": "事项",
    "channel": "渠道",
    "status": "状态",
    "since": "起始日期",
    "until": "截止日期",
    "page": "页码",
    "light": "状态",
    "kind": "类型",
    "section": "工作类别",
    "period": "期间",
    "year": "年份",
    "month": "月份",
}
CHINESE_NUMBERS = "零一二三四五六七八九十"
WEEKDAY_NAMES = ("一", "二", "三", "四", "五", "六", "日")


def channel(value: str) -> str:
    return CHANNELS.get(value, value)


def kind(value: str) -> str:
    return KINDS.get(value, value)


def role(value: str) -> str:
    return ROLES.get(value, value)


def action(value: str) -> str:
    return ACTIONS.get(value, value)


def log_status(value: str) -> str:
    return LOG_STATUSES.get(value, value)


def outbox_status(value: str) -> str:
    return OUTBOX_STATUSES.get(value, value)


def failure(code: str | None, error: str | None) -> str:
    """Why a send failed or a reminder was not sent, in words; empty when nothing went wrong.
    An HTTP or SMTP code not listed is named by its class."""
    if not error:  # it went (a code then is the platform's success, WeCom's errcode 0)
        return ""
    text = error
    for key, words in NOT_SENT:
        if key in text:
            return words
    if code and code in FAILURES:
        return FAILURES[code]
    if code and code.isdigit():
        number = int(code)
        if 500 <= number < 600 and "SMTP" not in text:
            return f"对方服务器出错（HTTP {number}）"
        if 400 <= number < 500 and "SMTP" not in text:
            return f"对方服务器拒绝了请求（HTTP {number}）"
        return f"对方服务器返回错误（代码 {number}）"
    return "发送失败"


def chinese_number(n: int) -> str:
    """1-99 in Chinese numerals (第一季度, 第十二周); other numbers as digits."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_NUMBERS[ones]
    head = "" if tens == 1 else CHINESE_NUMBERS[tens]
    return f"{head}十{CHINESE_NUMBERS[ones] if ones else ''}"


_PERIOD = re.compile(r"(\d{4})(?:-(H|Q|W)?(\d{1,2})(?:-(\d{2}))?)?")


def period(key: str | None) -> str:
    """A period key in words: 2027 → 2027年度, 2027-01 → 2027年1月, 2027-Q1 → 2027年第一季度,
    2027-H1 → 2027年上半年, 2027-W05 → 2027年第5周, 2027-03-31 → 2027年3月31日."""
    if not key:
        return ""
    m = _PERIOD.fullmatch(key)
    if m is None:
        return key
    year, mark, number, day = m.group(1), m.group(2), m.group(3), m.group(4)
    if number is None:
        return f"{year}年度"
    n = int(number)
    if mark == "H":
        return f"{year}年{'上' if n == 1 else '下'}半年"
    if mark == "Q":
        return f"{year}年第{chinese_number(n)}季度"
    if mark == "W":
        return f"{year}年第{n}周"
    if day is not None:
        return f"{year}年{n}月{int(day)}日"
    return f"{year}年{n}月"


def due_rule(rule: DueRule) -> str:
    """A due rule in words: 每年1月31日, 每季度最后一个工作日, 每周一, 2026年12月31日."""
    if isinstance(rule, FixedRule):
        d = rule.day
        return f"{d.year}年{d.month}月{d.day}日"
    if isinstance(rule, YearlyRule):
        day = "最后一天" if rule.day is None else f"{rule.day}日"
        return f"每年{rule.month}月{day}"
    if isinstance(rule, PeriodRule):
        each = {6: "每半年", 3: "每季度", 1: "每月"}.get(rule.months, f"每{rule.months}个月")
        anchor = {
            "day": f"{rule.number}日",
            "last": "最后一天",
            "last-workday": "最后一个工作日",
            "workday": f"第{rule.number}个工作日",
        }[rule.anchor]
        return f"{each}{anchor}"
    if isinstance(rule, WeeklyRule):
        return f"每周{WEEKDAY_NAMES[rule.weekday]}"
    if isinstance(rule, RRuleRule):
        return f"自定义周期（{rule.text}）"
    return rule.text


REFUSAL_TITLES = {
    "not-on-task": "无权操作",
    "not-lead": "无权操作",
    "lead-only": "无权操作",
    "date-past": "日期有误",
    "not-after-due": "日期有误",
    "reason-required": "请填写理由",
    "note-unsafe": "内容有误",
    "extension-pending": "已有延期申请",
    "not-pending": "已处理",
    "already-done": "已办结",
    "not-done": "尚未办结",
    "note-too-long": "内容过长",
    "bad-query": "筛选条件有误",
}


def refusal_title(code: str) -> str:
    return REFUSAL_TITLES.get(code, "未能完成")


def refusal(code: str, fields: dict[str, str]) -> str:
    """An app refusal (`errors.AppError`: its code and facts) as pages and the API say it.
    Office names and times in `fields` are as the reader should see them."""
    f = fields
    action_name = ACTIONS.get(f.get("action", ""), "操作")
    if code == "bad-query":
        field = f.get("field", "")
        value = f.get("value", "")
        shown = {"channel": CHANNELS, "status": LOG_STATUSES}.get(field)
        known = f"（应为{'、'.join(shown.values())}之一）" if shown else ""
        # The field is named beside these words (the page's "渠道：", the API's "channel：").
        return f"没有“{value}”{known}"
    words = {
        "not-on-task": "本科室不承担此事项，不能操作。",
        "not-lead": (
            f"只有牵头科室（{f.get('lead', '')}）或管理员可以{action_name}此事项；"
            "配合科室可以签收和反馈。"
        ),
        "already-done": f"此事项已由{f.get('by', '')}于{f.get('at', '')}办结，无需重复办结。",
        "not-done": "此事项尚未办结。",
        "period-not-begun": (
            f"此事项本期（{f.get('start', '')}起）的办理期间尚未开始，暂不能{action_name}。"
        ),
        "note-required": "反馈需要填写说明。",
        "note-too-long": f"说明最多 {f.get('limit', '')} 字，本次为 {f.get('length', '')} 字。",
        "no-occurrence": "没有找到这一期事项。",
        "unknown-deadline": "没有这个事项。",
        "unknown-office": "没有这个科室。",
        **_submission_refusals(f),
    }
    return words.get(code, f"{action_name}未能完成。")


def _submission_refusals(f: dict[str, str]) -> dict[str, str]:
    """The refusals of a 情况说明, a 延期 request and its decision (app.extensions)."""
    status = SUBMISSION_STATUSES.get(f.get("status", ""), f.get("status", ""))
    return {
        "lead-only": (
            f"只有牵头科室（{f.get('lead', '')}）可以提交情况说明或申请延期；"
            "配合科室可以签收和反馈。"
        ),
        "routine-duty": "例行工作不催办，无需情况说明或延期。",
        "date-past": f"日期（{f.get('date', '')}）不能早于今天（{f.get('today', '')}）。",
        "not-after-due": (
            f"新的截止日期（{f.get('date', '')}）应晚于当前截止日期（{f.get('due', '')}）。"
        ),
        "reason-required": "请填写理由。",
        "note-unsafe": "填写的内容中含有不可见的控制字符，请删除后重新提交。",
        "extension-pending": f"已申请延期至{f.get('date', '')}，正在等待审批，请勿重复申请。",
        "not-pending": f"这项延期申请已处理（{status}）。",
        "no-submission": "没有找到这项延期申请。",
    }


def extension_outcome(approved: bool, until: date, answer: str | None) -> str:
    """What an office reads about its decided 延期 request: approved, with the new due date, or
    refused, with the administrator's reason."""
    if approved:
        day = f"{until.year}年{until.month}月{until.day}日（星期{WEEKDAY_NAMES[until.weekday()]}）"
        return f"延期申请已批准，截止日期调整为{day}"
    return f"延期申请未获批准：{answer or '未说明理由'}"


def explanation_given(until: date, reason: str) -> str:
    """What the 督办 office and a 分管领导 read beside an overdue item whose lead office gave a
    情况说明: its reason and planned completion."""
    day = f"{until.year}年{until.month}月{until.day}日"
    return f"牵头科室已报送情况说明：{reason}，计划于{day}前完成"


def _when(moment: date | datetime) -> str:
    if isinstance(moment, datetime):
        return f"{moment:%Y-%m-%d %H:%M}"
    return f"{moment.year}年{moment.month}月{moment.day}日"


def export_title(
    what: str, first: date | datetime | None, last: date | datetime | None, as_of: datetime
) -> str:
    """An export's title row, what, which span, as of when: 发送记录（法规信访科）
    2027年1月1日至2027年1月31日（导出时间：2027-02-03 09:00）."""
    if first and last:
        span = f"{_when(first)}至{_when(last)}"
    else:
        span = f"{_when(first)}起" if first else f"截至{_when(last)}" if last else "全部时间"
    return f"{what}　{span}（导出时间：{as_of:%Y-%m-%d %H:%M}）"


def log_export_what(scope: list[str]) -> str:
    """The sent log narrowed to offices, a task, a channel or a status: 发送记录（法规信访科）."""
    return f"发送记录（{'，'.join(scope)}）" if scope else "发送记录"


# The administrators' login page.
LOGIN = {
    "no-account": (
        "尚未设置管理员账号，无法登录。请服务器管理员运行 reminder admin add 姓名 创建账号。"
    ),
    "no-name": "请填写姓名。",
    "wrong": "姓名或密码不正确。",
    "client": "登录失败次数过多，请{minutes}分钟后再试。",
    "slow": "登录尝试过于频繁，请{seconds}秒后再试。",
}
