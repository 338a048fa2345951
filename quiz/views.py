from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from quiz.models import Quiz


@login_required
def home(request: HttpRequest) -> HttpResponse:
    quizzes = Quiz.objects.filter(is_published=True).select_related("article")
    return render(request, "quiz/home.html", {"quizzes": quizzes})


@login_required
def quiz_detail(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.select_related("article"), slug=slug, is_published=True)
    return render(request, "quiz/quiz.html", {"quiz": quiz})
