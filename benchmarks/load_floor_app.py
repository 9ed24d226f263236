"""The load benchmark's floor: bare Streamlit with the dashboard's shape and none of its work. Three pages (the
overview, city and compare paths) of five metrics and five Plotly line charts of fixed data each, and a years
slider in the sidebar, so that an officer's visit sends it the same requests it sends the dashboard. For the
sign-in flood (FLOOD_SIGN_IN set), also a sign-in page whose form checks nothing and always answers "wrong": the
attackers send it the requests they send the dashboard, with none of the dashboard's work."""

import os

import plotly.graph_objects as go
import streamlit as st

YEARS = list(range(2014, 2026))


def _page(title: str) -> None:
    first, last = st.session_state.get("years", (YEARS[0], YEARS[-1]))
    years = [y for y in YEARS if first <= y <= last]
    st.title(title)
    for column, n in zip(st.columns(5), range(5), strict=True):
        column.metric(f"metric {n}", f"{1000 + 37 * n:,}", f"+{n}.5%")
    for n in range(5):
        figure = go.Figure(
            [go.Scatter(x=years, y=[(y - 2010) * (c + n + 1) for y in years], name=f"city {c}") for c in range(12)]
        )
        st.plotly_chart(figure, key=f"chart_{n}")


def overview() -> None:
    _page("overview")


def city() -> None:
    _page("city")


def compare() -> None:
    _page("compare")


def sign_in() -> None:
    st.title("Sign in")
    with st.form("sign_in", enter_to_submit=True):
        st.text_input("Account name", key="sign_in_name", max_chars=64)
        st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        st.error("Wrong account name or password.")


with st.sidebar:
    st.slider("years", YEARS[0], YEARS[-1], (YEARS[0], YEARS[-1]), key="years")
pages = [st.Page(overview, url_path="overview", default=True), st.Page(city, url_path="city"),
         st.Page(compare, url_path="compare")]  # fmt: skip
if os.environ.get("FLOOD_SIGN_IN"):
    pages.append(st.Page(sign_in, url_path="sign-in"))
st.navigation(pages).run()
