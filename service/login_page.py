"""The HTML of the service's sign-in page (served by service/web.py before Streamlit loads).

Plain HTML with inline CSS and no script: it works behind any proxy, needs no internet, and every value put into
it passes through html.escape (account names, messages, the next URL).
"""

from __future__ import annotations

from html import escape

STYLE = """
body{margin:0;font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;background:#f4f6f9;color:#1d2733}
main{max-width:980px;margin:40px auto;padding:0 20px}
h1{font-size:28px;margin:0 0 4px} .sub{color:#5b6675;margin:0 0 24px}
.cols{display:flex;gap:28px;flex-wrap:wrap} .card{background:#fff;border:1px solid #d9dee5;border-radius:10px;padding:22px;flex:1;min-width:300px}
h2{font-size:20px;margin:0 0 14px} label{display:block;font-size:14px;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:9px 10px;border:1px solid #b8c0cc;border-radius:6px;font-size:15px}
button{cursor:pointer;border-radius:6px;font-size:15px;padding:9px 14px;border:1px solid #1f5fa8}
.primary{width:100%;margin-top:18px;background:#1f5fa8;color:#fff}.secondary{background:#fff;color:#1f5fa8}
.msg{padding:10px 12px;border-radius:6px;margin:0 0 12px;font-size:14px}.error{background:#fdecec;color:#9b1c1c}
.info{background:#e8f1fb;color:#174a80}.warn{background:#fff4e0;color:#7a4b00}
.hint{color:#5b6675;font-size:13px;margin-top:12px} .demo{display:flex;justify-content:space-between;align-items:center;
border-top:1px solid #eef0f3;padding:10px 0;gap:10px} .demo form{margin:0} code{background:#f0f2f5;padding:1px 4px;border-radius:4px}
"""


def render(
    *,
    csrf: str,
    next_url: str,
    error: str | None = None,
    notice: str | None = None,
    demo: list[dict] | None = None,
    max_failed: int = 5,
    lockout_minutes: int = 15,
    signed_in_as: str | None = None,
    logout_csrf: str | None = None,
    sso: bool = False,
    prefetch: str = "",
) -> str:
    """The whole sign-in page as one HTML string; `prefetch` is service/preload.py's link tags (trusted: built
    from Streamlit's own file names, no user text)."""
    e = escape
    parts = [
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width,initial-scale=1"><title>登录 · 吉林省劳动人事争议调解监测平台</title>'
        f"<style>{STYLE}</style>{prefetch}</head><body><main>",
        '<h1>吉林省劳动人事争议调解监测平台</h1><p class="sub">劳动人事争议调解组织建设行动 · 数据报送与监测</p>',
        '<div class="cols"><section class="card">',
    ]
    if signed_in_as:
        parts.append(
            f'<p class="msg info">您已登录（账号 {e(signed_in_as)}）。</p>'
            f'<p><a href="{e(next_url)}">进入平台</a></p>'
            f'<form method="post" action="/logout"><input type="hidden" name="csrf" value="{e(logout_csrf or "")}">'
            '<button class="secondary" type="submit">退出登录</button></form>'
        )
    else:
        if notice:
            parts.append(f'<p class="msg info" role="status">{e(notice)}</p>')
        if error:
            parts.append(f'<p class="msg error" role="alert">{e(error)}</p>')
        parts.append(
            '<h2>登录</h2><form method="post" action="/login">'
            f'<input type="hidden" name="csrf" value="{e(csrf)}"><input type="hidden" name="next" value="{e(next_url)}">'
            '<label for="name">账号</label><input type="text" id="name" name="name" placeholder="例如 tonghua_city" '
            'autocomplete="username" maxlength="64" required>'
            '<label for="password">密码</label><input type="password" id="password" name="password" '
            'autocomplete="current-password" maxlength="256" required>'
            '<button class="primary" type="submit">登录</button></form>'
            f'<p class="hint">连续输错 {int(max_failed)} 次密码，账号将锁定 {int(lockout_minutes)} 分钟。'
            "忘记密码请联系省级管理员重置。</p>"
        )
        if sso:
            parts.append('<p class="hint">已启用统一身份认证：请在平台首页选择“使用统一身份认证登录”。</p>')
    parts.append("</section>")
    if demo and not signed_in_as:
        parts.append(
            '<section class="card"><h2>演示账号</h2><p class="msg warn">以下为<b>演示账号</b>，密码公开（均为 '
            f"<code>{e(demo[0]['password'])}</code>），只在演示数据上使用。正式使用前请由管理员在“账号与审计”页面停用。</p>"
        )
        for row in demo:
            parts.append(
                f'<div class="demo"><span><b>{e(row["role"])}</b> · {e(row["region"])}<br>'
                f"账号 <code>{e(row['name'])}</code>　密码 <code>{e(row['password'])}</code></span>"
                '<form method="post" action="/login">'
                f'<input type="hidden" name="csrf" value="{e(csrf)}"><input type="hidden" name="next" value="{e(next_url)}">'
                f'<input type="hidden" name="name" value="{e(row["name"])}"><input type="hidden" name="demo" value="1">'
                f'<button class="secondary" type="submit" aria-label="以{e(row["role"])}身份登录">以此身份登录</button></form></div>'
            )
        parts.append("</section>")
    parts.append("</div></main></body></html>")
    return "".join(parts)
