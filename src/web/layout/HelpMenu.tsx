import { BookOutlined, CompassOutlined, ExperimentOutlined, QuestionCircleOutlined, ReadOutlined, RedoOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Dropdown } from 'antd';
import { useLocation, useNavigate } from 'react-router';
import { accountKey, resetTour } from '../api/account.js';
import { useShowError } from '../components/use-show-error.js';
import { tourOfPage, useTours } from '../guidance/tours.js';
import { useT } from '../i18n/locale.js';
import { usePractice } from './PracticeBanner.js';

/**
 * The "?" in the header: this page's tour, the welcome tour (now, or again at the next sign-in), the help centre,
 * training and the practice workspace.
 */
export function HelpMenu() {
  const t = useT();
  const m = t.guidance.menu;
  const navigate = useNavigate();
  const location = useLocation();
  const tours = useTours();
  const practice = usePractice();
  const pageTour = tourOfPage(location.pathname);
  const { message } = App.useApp();
  const showError = useShowError();
  const queryClient = useQueryClient();
  const resetWelcome = async () => {
    try {
      await resetTour('welcome');
      await queryClient.invalidateQueries({ queryKey: accountKey });
      void message.success(m.toursReset);
    } catch (error) {
      showError(error);
    }
  };
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items: [
          ...(pageTour ? [{ key: 'tour', icon: <CompassOutlined />, label: m.tour, onClick: () => tours.start(pageTour) }] : []),
          { key: 'welcome', icon: <CompassOutlined />, label: m.welcomeTour, onClick: () => tours.start('welcome') },
          { key: 'reset-tours', icon: <RedoOutlined />, label: m.resetTours, onClick: () => void resetWelcome() },
          { key: 'help', icon: <ReadOutlined />, label: m.helpCentre, onClick: () => void navigate('/help') },
          { key: 'training', icon: <BookOutlined />, label: m.training, onClick: () => void navigate('/training') },
          practice.active
            ? { key: 'practice', icon: <ExperimentOutlined />, label: m.leavePractice, onClick: () => practice.leave() }
            : { key: 'practice', icon: <ExperimentOutlined />, label: m.practice, onClick: () => practice.open() },
        ],
      }}
    >
      <Button type="text" icon={<QuestionCircleOutlined />} aria-label={m.label} data-tour="help-menu" data-testid="help-menu" />
    </Dropdown>
  );
}
