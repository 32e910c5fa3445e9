async def test_smoke(dash):
    r = await dash.client.get("/")
    assert r.status_code == 303
    r = await dash.sign_in()
    assert r.status_code == 303, r.text
    for p in ("report", "cases", "members", "calendar"):
        r = await dash.client.get(dash.page(p))
        assert r.status_code == 200, (p, r.text[:3000])
    r = await dash.client.get("/")
    print(r.text[:200])
    r = await dash.client.get(dash.page("playbook"), follow_redirects=True)
    assert r.status_code == 200, r.text[:3000]
    r = await dash.client.get(dash.page("report/file.html"))
    assert r.status_code == 200, r.text[:3000]
