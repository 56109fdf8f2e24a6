import { CheckCircleFilled, DownloadOutlined, ExperimentOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Collapse, Flex, Form, Progress, Radio, Row, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import type { AttemptResult, Course } from '../../../contracts/training.js';
import { listRoles } from '../../api/admin.js';
import { createAssignment, deleteAssignment, fetchTrainingReport, guidanceKeys, listAssignments, listCourses, markLessonRead, submitAttempt, trainingReportCsvUrl } from '../../api/guidance.js';
import { fetchUserDirectory } from '../../api/users.js';
import { hasPermission } from '../../auth/permissions.js';
import { useMe } from '../../auth/session.js';
import { Markdown } from '../../components/guidance/Markdown.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { PageSpinner } from '../../components/PageSpinner.js';
import { useShowError } from '../../components/use-show-error.js';
import { findArticle } from '../../help/articles.js';
import { usePractice } from '../../layout/PracticeBanner.js';
import { useLocale, useT } from '../../i18n/locale.js';

function CourseCard({ course }: { course: Course }) {
  const t = useT();
  const { language } = useLocale();
  const tr = t.guidance.training;
  const read = course.lessons.filter((l) => l.read).length;
  return (
    <Card
      title={course.titles[language]}
      extra={course.passed ? <Tag color="green">{tr.passed}</Tag> : <Tag color={course.assigned ? 'orange' : undefined}>{course.assigned ? tr.assigned : tr.notPassed}</Tag>}
      data-testid={`course-${course.id}`}
    >
      <Typography.Paragraph>{course.summary[language]}</Typography.Paragraph>
      <Progress percent={Math.round((100 * read) / course.lessons.length)} aria-label={tr.lessons(read, course.lessons.length)} format={() => tr.lessons(read, course.lessons.length)} />
      {course.bestScore !== null && <Typography.Text type="secondary">{tr.bestScore(course.bestScore)}</Typography.Text>}
      <div style={{ marginTop: 12 }}>
        <Link to={`/training/${course.id}`}>
          <Button type="primary">{tr.open}</Button>
        </Link>
      </div>
    </Card>
  );
}

function CourseView({ course }: { course: Course }) {
  const t = useT();
  const tr = t.guidance.training;
  const { language } = useLocale();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const practice = usePractice();
  const [params] = useSearchParams();
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [result, setResult] = useState<AttemptResult | null>(null);
  const read = useMutation({
    mutationFn: (lessonId: string) => markLessonRead(course.id, lessonId),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: guidanceKeys.courses }),
    onError: showError,
  });
  const attempt = useMutation({
    mutationFn: () => submitAttempt(course.id, answers),
    onSuccess: (res) => {
      setResult(res);
      void queryClient.invalidateQueries({ queryKey: guidanceKeys.courses });
    },
    onError: showError,
  });
  const wrong = new Set(result?.wrong ?? []);

  return (
    <>
      <PageHeader
        title={course.titles[language]}
        subtitle={course.summary[language]}
        crumbs={[{ label: tr.title, to: '/training' }, { label: course.titles[language] }]}
        tags={course.passed ? <Tag color="green">{tr.passed}</Tag> : undefined}
        extra={
          !practice.active && (
            <Button icon={<ExperimentOutlined />} onClick={practice.open} loading={practice.busy}>
              {tr.practise}
            </Button>
          )
        }
      />
      {params.get('gate') && !course.passed && <Alert type="warning" showIcon title={tr.gateNotice} style={{ marginBottom: 16 }} data-testid="training-gate-notice" />}
      <Collapse
        style={{ marginBottom: 16 }}
        items={course.lessons.map((lesson, i) => ({
          key: lesson.id,
          label: (
            <Space>
              {lesson.read ? <CheckCircleFilled style={{ color: '#52c41a' }} aria-label={tr.read} /> : <span style={{ display: 'inline-block', width: 14 }} />}
              {`${i + 1}. ${lesson.title[language]}`}
            </Space>
          ),
          children: (
            <>
              <Markdown>{findArticle(language, lesson.article)?.body ?? ''}</Markdown>
              <Button onClick={() => read.mutate(lesson.id)} disabled={lesson.read} loading={read.isPending && read.variables === lesson.id}>
                {lesson.read ? tr.read : tr.markRead}
              </Button>
            </>
          ),
        }))}
      />
      <Card title={tr.quiz} data-testid="quiz">
        <Typography.Paragraph type="secondary">{tr.quizHint(course.passScore)}</Typography.Paragraph>
        <Form layout="vertical" onFinish={() => attempt.mutate()}>
          {course.questions.map((q, i) => (
            <Form.Item
              key={q.id}
              label={`${i + 1}. ${q.text[language]}`}
              validateStatus={wrong.has(q.id) ? 'error' : undefined}
              help={wrong.has(q.id) ? tr.wrong : undefined}
              data-question={q.id}
            >
              <Radio.Group value={answers[q.id]} onChange={(e) => setAnswers({ ...answers, [q.id]: e.target.value as string })}>
                <Space direction="vertical">
                  {q.options.map((o) => (
                    <Radio key={o.id} value={o.id} data-option={o.id}>
                      {o.text[language]}
                    </Radio>
                  ))}
                </Space>
              </Radio.Group>
            </Form.Item>
          ))}
          <Button type="primary" htmlType="submit" loading={attempt.isPending} disabled={Object.keys(answers).length < course.questions.length}>
            {tr.submit}
          </Button>
        </Form>
        {result && (
          <Alert
            style={{ marginTop: 16 }}
            type={result.passed ? 'success' : 'error'}
            showIcon
            title={result.passed ? tr.resultPassed(result.score) : tr.resultFailed(result.score)}
            data-testid="quiz-result"
            data-passed={String(result.passed)}
          />
        )}
      </Card>
    </>
  );
}

function TrainingAdmin({ courses }: { courses: Course[] }) {
  const t = useT();
  const tr = t.guidance.training;
  const { language } = useLocale();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [courseId, setCourseId] = useState(courses[0]?.id ?? 'safe-deletion');
  const [form] = Form.useForm<{ courseId: string; target: string }>();
  const assignments = useQuery({ queryKey: guidanceKeys.assignments, queryFn: listAssignments });
  const report = useQuery({ queryKey: guidanceKeys.report(courseId), queryFn: () => fetchTrainingReport(courseId) });
  const roles = useQuery({ queryKey: ['roles'], queryFn: listRoles });
  const users = useQuery({ queryKey: ['users', 'directory'], queryFn: fetchUserDirectory });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['training'] });
  const assign = useMutation({
    mutationFn: ({ courseId: course, target }: { courseId: string; target: string }) =>
      createAssignment(target.startsWith('role:') ? { courseId: course, role: target.slice(5) } : { courseId: course, userId: target.slice(5) }),
    onSuccess: () => {
      void message.success(tr.assign);
      form.resetFields(['target']);
      refresh();
    },
    onError: showError,
  });
  const remove = useMutation({ mutationFn: deleteAssignment, onSuccess: refresh, onError: showError });
  const courseTitle = (id: string) => courses.find((c) => c.id === id)?.titles[language] ?? id;
  const roleName = (name: string) => (t.roles as Record<string, string>)[name] ?? name;
  const yesNo = (v: boolean) => (v ? <Tag color="green">{tr.yes}</Tag> : <Tag>{tr.no}</Tag>);

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={10}>
        <Card title={tr.assignments}>
          <Form form={form} layout="inline" initialValues={{ courseId }} onFinish={(v) => assign.mutate(v)} style={{ marginBottom: 12, rowGap: 8 }}>
            <Form.Item name="courseId" rules={[{ required: true }]}>
              <Select style={{ width: 150 }} aria-label={tr.course} options={courses.map((c) => ({ value: c.id, label: c.titles[language] }))} />
            </Form.Item>
            <Form.Item name="target" rules={[{ required: true, message: tr.target }]}>
              <Select
                showSearch
                optionFilterProp="label"
                style={{ width: 200 }}
                aria-label={tr.target}
                placeholder={tr.target}
                options={[
                  { label: tr.role, options: (roles.data?.items ?? []).map((r) => ({ value: `role:${r.name}`, label: roleName(r.name) })) },
                  { label: tr.user, options: (users.data?.items ?? []).map((u) => ({ value: `user:${u.id}`, label: u.displayName ?? u.username })) },
                ]}
              />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={assign.isPending}>
              {tr.assign}
            </Button>
          </Form>
          <Table
            size="small"
            rowKey="id"
            loading={assignments.isPending}
            dataSource={assignments.data?.items ?? []}
            pagination={false}
            columns={[
              { title: tr.course, dataIndex: 'courseId', render: courseTitle },
              { title: tr.target, key: 'target', render: (_, a) => (a.role ? <Tag>{roleName(a.role)}</Tag> : a.username) },
              { key: 'remove', render: (_, a) => <Button size="small" onClick={() => remove.mutate(a.id)}>{tr.remove}</Button> },
            ]}
          />
        </Card>
      </Col>
      <Col xs={24} xl={14}>
        <Card
          title={tr.whoPassed}
          extra={
            <Space>
              <Select size="small" value={courseId} onChange={setCourseId} aria-label={tr.course} options={courses.map((c) => ({ value: c.id, label: c.titles[language] }))} />
              <Button size="small" icon={<DownloadOutlined />} href={trainingReportCsvUrl(courseId)} download>
                {tr.export}
              </Button>
            </Space>
          }
        >
          <Table
            size="small"
            rowKey="userId"
            loading={report.isPending}
            dataSource={report.data?.items ?? []}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            data-testid="training-report"
            columns={[
              { title: tr.username, key: 'user', render: (_, r) => r.displayName ?? r.username },
              { title: tr.roles, dataIndex: 'roles', render: (roles: string[]) => roles.map(roleName).join(', ') },
              { title: tr.assigned, dataIndex: 'assigned', render: yesNo },
              { title: tr.passed, dataIndex: 'passed', render: yesNo },
              { title: tr.passedAt, dataIndex: 'passedAt', render: (v: string | null) => (v ? new Date(v).toLocaleString(language) : '') },
              { title: tr.attempts, dataIndex: 'attempts' },
              { title: tr.quiz, dataIndex: 'bestScore', render: (v: number | null) => (v === null ? '' : `${v} %`) },
            ]}
          />
        </Card>
      </Col>
    </Row>
  );
}

/** /training: the caller's courses (and, for training.manage, assignments and results); /training/:id: one course. */
export default function TrainingPage() {
  const t = useT();
  const tr = t.guidance.training;
  const me = useMe();
  const navigate = useNavigate();
  const { courseId } = useParams();
  const courses = useQuery({ queryKey: guidanceKeys.courses, queryFn: listCourses });
  if (courses.isPending) return <PageSpinner />;
  if (courses.isError) return <LoadFailed error={courses.error} onRetry={() => void courses.refetch()} />;
  const items = courses.data.items;
  if (courseId) {
    const course = items.find((c) => c.id === courseId);
    if (course) return <CourseView course={course} />;
    void navigate('/training', { replace: true });
    return null;
  }
  const mine = (
    <Row gutter={[16, 16]}>
      {items.map((c) => (
        <Col key={c.id} xs={24} md={12} xl={8}>
          <CourseCard course={c} />
        </Col>
      ))}
    </Row>
  );
  return (
    <>
      <PageHeader title={tr.title} subtitle={tr.subtitle} />
      {hasPermission(me, 'training.manage') ? (
        <Tabs
          items={[
            { key: 'mine', label: tr.myCourses, children: mine },
            { key: 'admin', label: tr.admin, children: <TrainingAdmin courses={items} /> },
          ]}
        />
      ) : (
        <Flex vertical>{mine}</Flex>
      )}
    </>
  );
}
