from django.urls import path

from quiz import views

app_name = "quiz"
urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/", views.landing, name="landing"),
    path("instructors/", views.instructors, name="instructors"),
    path("progress/", views.progress, name="progress"),
    path("quizzes/<slug:slug>/", views.quiz_detail, name="quiz"),
    path("quizzes/<slug:slug>/start/", views.quiz_start, name="start"),
    path("quizzes/<slug:slug>/practice/", views.practice_start, name="practice"),
    path("quizzes/<slug:slug>/review-due/", views.review_due, name="review_due"),
    path("attempts/<int:attempt_id>/", views.attempt, name="attempt"),
    path("attempts/<int:attempt_id>/answer/", views.answer, name="answer"),
    path("attempts/<int:attempt_id>/questions/<int:position>/", views.attempt_item, name="item"),
    path("attempts/<int:attempt_id>/questions/<int:position>/flag/", views.flag, name="flag"),
    path(
        "attempts/<int:attempt_id>/questions/<int:position>/evidence/",
        views.evidence,
        name="evidence",
    ),
    path("attempts/<int:attempt_id>/finish/", views.finish, name="finish"),
    path("attempts/<int:attempt_id>/timer/", views.timer, name="timer"),
    path("attempts/<int:attempt_id>/review/", views.review, name="review"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path(
        "instructors/cohorts/<int:cohort_id>/quizzes/<slug:slug>/",
        views.gradebook,
        name="gradebook",
    ),
    path("instructors/quizzes/<slug:slug>/analysis/", views.analysis, name="analysis"),
    path("instructors/articles/<slug:slug>/coverage/", views.coverage, name="coverage"),
    path(
        "instructors/quizzes/<slug:slug>/analysis/accept/",
        views.accept_answer,
        name="accept_answer",
    ),
    path("instructors/attempts/<int:attempt_id>/", views.attempt_detail, name="attempt_detail"),
    path(
        "instructors/attempts/<int:attempt_id>/responses/<int:response_id>/override/",
        views.override,
        name="override",
    ),
]
