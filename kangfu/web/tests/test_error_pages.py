"""403, 404, 500 and CSRF-failure pages: in Chinese, in the product's layout, with DEBUG off."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def test_it_shows_a_chinese_404_page_in_the_layout(client, personas):
    sign_in(client, personas.worker_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert "不在您的管辖范围内" in page
    assert 'class="topbar"' in page and "返回首页" in page


def test_it_shows_the_same_404_for_a_person_of_another_jurisdiction(client, personas, people):
    sign_in(client, personas.worker_a)
    response = client.get(f"/people/{people.in_b.public_id}/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert "李娜" not in response.content.decode()


def test_it_shows_a_chinese_403_page_when_the_role_may_not(client, personas, people):
    sign_in(client, personas.admin)  # an administrator holds no read role on persons
    response = client.get(f"/people/{people.in_a.public_id}/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权操作" in page and "Forbidden" not in page
    assert "张伟" not in page


def test_it_shows_a_chinese_page_when_the_csrf_check_fails(personas):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "worker_a", "password": PASSWORD})
    assert response.status_code == 403
    page = response.content.decode()
    assert "表单已失效" in page and "本次未保存任何内容" in page
    assert "CSRF cookie not set" not in page and 'class="topbar"' in page


def test_it_shows_a_chinese_500_page_without_any_data(personas, settings):
    settings.ROOT_URLCONF = "kangfu.web.tests.urls_failing"
    client = Client(raise_request_exception=False)
    sign_in(client, personas.worker_a)
    response = client.get("/failing/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "服务器出错" in page and "错误已记录" in page
    assert 'class="topbar"' in page
    for leaked in ("张伟", "520102199003070018", "RuntimeError", "worker_a", "王社工"):
        assert leaked not in page


def test_it_renders_the_500_page_without_touching_the_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "服务器出错" in response.content.decode()


def test_it_shows_a_chinese_400_page_without_any_data(personas, settings):
    settings.ROOT_URLCONF = "kangfu.web.tests.urls_failing"
    client = Client()
    sign_in(client, personas.worker_a)
    response = client.get("/suspicious/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "无法处理该请求" in page and "本次未保存任何内容" in page
    assert 'class="topbar"' in page and "Bad Request" not in page
    for leaked in ("张伟", "520102199003070018", "boundary"):
        assert leaked not in page


def test_it_shows_the_chinese_400_page_for_an_unknown_host_name(settings):
    settings.ALLOWED_HOSTS = ["kangfu.example.cn"]
    response = Client().get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "无法处理该请求" in response.content.decode()


def test_an_htmx_request_that_fails_the_csrf_check_is_told_so(personas):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, personas.worker_a)
    response = client.post("/logout/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and response["X-Kangfu-Error"] == "csrf"
    # The page carries the Chinese texts static/js/kangfu.js shows when htmx swaps nothing.
    page = client.get("/").content.decode()
    assert 'id="request-error"' in page and "表单已失效，本次未保存任何内容" in page
    assert "js/kangfu.js" in page
