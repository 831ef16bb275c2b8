"""What the DingTalk and Feishu channels post, built without a server: markdown as DingTalk
shows it, rich text with links for Feishu, and content cut to each platform's size."""

from __future__ import annotations

import json

from reminder.config.robotmodel import DingtalkSettings, FeishuSettings
from reminder.delivery.channels.base import Rendered, Target
from reminder.delivery.channels.dingtalk import DingtalkTransport, dingtalk_markdown
from reminder.delivery.channels.feishu import BODY_LIMIT, FeishuTransport, paragraph


def target(channel: str, mentions: tuple[str, ...] = ()) -> Target:
    return Target(
        channel=channel, address="", shown="", rate_key="k", per_minute=20, mentions=mentions
    )


def test_dingtalk_markdown_keeps_each_line_and_turns_named_colours_to_hex() -> None:
    assert dingtalk_markdown('**标题**\n> <font color="warning">已逾期</font>\n\n正文') == (
        "**标题**  \n> <font color=#E6700E>已逾期</font>  \n\n正文  "
    )


def test_dingtalk_mentions_everyone_when_asked_and_splits_a_long_line_by_characters() -> None:
    transport = DingtalkTransport(DingtalkSettings())
    message = Rendered(subject="主题", text="字" * 4000)  # 12,000 bytes on one line
    payloads = transport.payloads(target("dingtalk", ("@all",)), message)
    assert len(payloads) == 3
    texts = [p["markdown"]["text"] for p in payloads]  # type: ignore[index]
    assert all(len(t.encode()) <= 5000 for t in texts)
    assert "".join(t.rstrip() for t in texts) == "字" * 4000
    assert payloads[0]["at"] == {"atMobiles": [], "isAtAll": True}  # type: ignore[index]


def test_a_feishu_line_with_a_web_address_is_a_link_between_texts() -> None:
    assert paragraph("请打开：https://oa.example.gov.cn/r/i/abc，谢谢") == [
        {"tag": "text", "text": "请打开："},
        {
            "tag": "a",
            "text": "https://oa.example.gov.cn/r/i/abc",
            "href": "https://oa.example.gov.cn/r/i/abc",
        },
        {"tag": "text", "text": "，谢谢"},
    ]
    assert paragraph("") == [{"tag": "text", "text": ""}]


def test_feishu_content_is_cut_so_each_body_stays_within_20_kb() -> None:
    transport = FeishuTransport(FeishuSettings())
    lines = [f"{i:03d}. 按要求完成并报送材料，逾期未报送的予以通报" for i in range(600)]
    payloads = transport.payloads(target("feishu"), Rendered(subject="主题", text="\n".join(lines)))
    assert len(payloads) >= 2
    sizes = [
        len(json.dumps(p, ensure_ascii=False, separators=(",", ":")).encode()) for p in payloads
    ]
    assert max(sizes) <= BODY_LIMIT
    got = [
        "".join(e["text"] for e in line)
        for p in payloads
        for line in p["content"]["post"]["zh_cn"]["content"]  # type: ignore[index]
    ]
    assert got == lines
