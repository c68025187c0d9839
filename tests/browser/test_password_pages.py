"""忘记密码 on a phone (375px): the sign-in page points to the e-mail reset; an organiser gives 王阿姨
a temporary password from the member list and reads it to her; she signs in with it and must
choose her own before anything else. Every page has labels and fits the phone."""

from playwright.sync_api import expect


def test_organiser_gives_a_temporary_password_and_the_resident_chooses_her_own(people, demo_of):
    demo_of("network")
    resident = people("password-resident", phone=True)
    page = resident.goto("/login/")
    page.click("text=忘记密码？")
    expect(page.locator("h1")).to_contain_text("忘记密码")
    resident.check()
    page.fill("#id_email", "nobody@example.com")
    page.click("button[type=submit].primary")
    expect(page.locator("main")).to_contain_text("如果这个邮箱属于一个账号")
    resident.check()

    organiser = people("password-organiser", phone=True)
    organiser.login("lisg")
    opage = organiser.goto("/organiser/join-requests/?status=verified")
    organiser.check()
    opage.locator(".request-card", has_text="王阿姨").locator("text=重设密码").click()
    expect(opage.locator("h1")).to_contain_text("代为重设密码")
    organiser.check()
    opage.click("button[type=submit].primary")  # not confirmed yet
    expect(opage.locator(".field-error").first).to_contain_text("请先与居民本人确认")
    opage.check("#id_confirmed")
    opage.fill("#id_note", "本人到社区办公室")
    opage.click("button[type=submit].primary")
    password = opage.locator("#temporary-password").inner_text().strip()
    assert len(password) == 8 and password.isdigit()
    organiser.check()
    organiser.shot("temporary-password-phone")

    resident.login("wangayi", password)
    expect(page.locator("h1")).to_contain_text("设置新密码")
    resident.check()
    resident.goto("/me/")
    expect(page.locator("h1")).to_contain_text("设置新密码")
    page.fill("#id_new_password1", "garden-and-knit-26")
    page.fill("#id_new_password2", "garden-and-knit-26")
    page.click("button[type=submit].primary")
    expect(page.locator(".messages")).to_contain_text("新密码已设置")
    resident.goto("/me/")
    expect(page.locator("main")).to_contain_text("您的密码已由李社工重设")
